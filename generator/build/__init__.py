"""The machinery on top of the pipeline: what makes a build incremental and parallel.

`driver` runs the stages and the output as named steps (validate, generate,
build); everything else here makes those steps faster without making them
different: the cache of validated models, the fingerprints of what each page
shows, the last build's snapshot, exports spliced over the file they replace,
forked workers; and the live preview (`serve`).
"""
