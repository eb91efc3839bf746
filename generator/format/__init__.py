"""The brief format: the contract authors write to, without any I/O.

`vocab` holds every controlled vocabulary; `models` the typed models of the
four kinds of corpus file; `markdown` the dialect of Markdown fields and what
their links may point to; `schema` the JSON Schemas editors check against;
`skeleton` the files `briefgen new` writes.
"""
