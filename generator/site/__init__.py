"""The generated Markdown to the published site: `mkdocs` builds it, `search` indexes it,
`leaks` checks that nothing withheld reached it, `swap` puts it in place."""
