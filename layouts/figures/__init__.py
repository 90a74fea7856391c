"""Pure figure functions: DataFrames in, plotly figures out (no Dash, no database)."""
