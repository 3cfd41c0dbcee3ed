"""The static type of a view row in component code."""

from __future__ import annotations

from typing import Any, TypeAlias

# A view row as a Reflex var: an item of ``rx.foreach`` over a state's list of rows, or a state
# var holding one dataclass row (``ApplicationReviewState.review``). Reflex builds the vars of
# its fields at run time (``row.name``) and types them loosely (``ObjectItemOperation``, on
# which ``"… " + row.name`` or ``row.pupils > 0`` do not type-check): component code reads the
# row as Any.
RowVar: TypeAlias = Any
