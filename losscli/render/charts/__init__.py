"""Charts of a result: the data every chart is drawn from (``data``), and its renderers."""
