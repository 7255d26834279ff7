"""The streamed Poisson bootstrap: the resampling units' weights (:mod:`.weights`), a
chunk's cell sums (:mod:`.resample`), the cells that wait to be multiplied out with
others (:mod:`.cells`) on the kernel's pool (:mod:`.settle`), in one BLAS thread each
(:mod:`.blas`)."""
