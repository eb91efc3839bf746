"""The stages of the pipeline, one way and without machinery: file in, data out.

load (a YAML file with positions) -> validate (a model, or positioned
problems) -> corpus (references resolved, what may be published) -> analysis
(ACH matrices, contradictions, timeline, Admiralty grid); lint reads the last
two. A stage imports only the stages before it and `format`.
"""
