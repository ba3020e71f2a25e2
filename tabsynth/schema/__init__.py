"""What a table *is*, before any model sees it: column sdtypes, reversible encodings, relations.

:class:`Metadata` names each column's sdtype (detected or given, SDV's single-table dict).
:class:`Schema` turns a table into the encoded frame every model learns from, and back: one codec
per column (:mod:`~tabsynth.schema.codecs`: numbers, datetimes, categories, constants, ids, with
missing-value flags), columns derived from another dropped and recomputed
(:mod:`~tabsynth.schema.relations`). :class:`IndexCodec` does the same for a sequence's index
(:mod:`~tabsynth.schema.sequence_index`); :mod:`~tabsynth.schema.distributed` fits a schema on a
Dask DataFrame without holding it.
"""

from .codecs import EncodedColumn
from .metadata import Metadata
from .sequence_index import IndexCodec
from .table import Schema

__all__ = ["EncodedColumn", "IndexCodec", "Metadata", "Schema"]
