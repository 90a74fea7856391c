"""The read side: every SQL query of the web app, returning DataFrames or small dataclasses (cached).

Data flow: collectors write facts → ``dashboard.db`` keeps them and their rollups → these queries read them →
``layouts`` gathers what a page draws, pure figure functions draw it, pages lay it out."""
