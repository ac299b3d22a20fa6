"""Composed retrieval: reference image + modification text -> one query vector.

``combiner`` (the CLIP4Cir Combiner and the sum baseline), ``weights`` (safetensors files and cards),
``train`` (training on frozen features), ``features`` (encoding triplets once), ``metrics`` (Recall@K)
and ``cirr`` (the CIRR benchmark). Importing this package imports no torch; its modules do.
"""
