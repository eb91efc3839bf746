"""What the site shows, made from the published corpus and its analysis.

`pages` lists every page with its template, context and what it shows;
`templating`, `links` and `markup` are what templates format with; `graph`,
`feed`, `exports` and `stix` make the graphs, the Atom feed and the data
exports. Output reads stages and format, never the build machinery.
"""
