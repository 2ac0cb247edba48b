"""JSON Schema (as OpenAI tools and OpenClaw send it) → the OpenAPI subset Gemini accepts.

Gemini's `FunctionDeclaration.parameters` and `responseSchema` are a `Schema` object, not
JSON Schema: an unknown key is refused outright ("Invalid JSON payload received. Unknown name
\"additionalProperties\" at 'tools[0].function_declarations[0].parameters'"). So this module
keeps only the fields `Schema` defines and rewrites the JSON Schema idioms that have a
`Schema` equivalent: `const` → `enum`, `oneOf` → `anyOf`, `type: [T, "null"]` and a
`{"type": "null"}` branch → `nullable`, local `$ref`s inlined, single-branch `allOf` merged.
Everything else (`additionalProperties`, `$schema`, `patternProperties`, `~optional`,
`examples`, ...) is dropped. Pure; never raises on odd input, it only removes what it
cannot express.
"""

from __future__ import annotations

from typing import Any

# The fields of Gemini's `Schema` object that carry no sub-schemas.
_SCALAR_FIELDS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "propertyOrdering",
    }
)
# "format: only 'enum' and 'date-time' are supported for STRING type" (Gemini 400 text).
_FORMATS = {
    "string": frozenset({"enum", "date-time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}
_MAX_DEPTH = 32


def clean_schema(schema: Any) -> dict[str, Any]:
    """A JSON Schema → a Gemini `Schema`; `$ref`s resolve against the root's `$defs`."""
    if not isinstance(schema, dict):
        return {}
    defs = {**_mapping(schema.get("definitions")), **_mapping(schema.get("$defs"))}
    return _clean(schema, defs, 0)


def has_properties(schema: dict[str, Any]) -> bool:
    """Gemini refuses an OBJECT parameters schema whose `properties` is empty."""
    return bool(schema.get("properties"))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _clean(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> dict[str, Any]:
    if depth > _MAX_DEPTH:
        return {}
    schema = _resolve(schema, defs, depth)
    out: dict[str, Any] = {k: v for k, v in schema.items() if k in _SCALAR_FIELDS}
    _fix_type(out)
    if "const" in schema:
        out["enum"] = [schema["const"]]
    _fix_enum(out)
    if "properties" in schema:
        props = {
            str(name): _clean(sub, defs, depth + 1)
            for name, sub in _mapping(schema["properties"]).items()
            if isinstance(sub, dict)
        }
        if props:
            out["properties"] = props
        out.setdefault("type", "object")
    if isinstance(schema.get("items"), dict):
        out["items"] = _clean(schema["items"], defs, depth + 1)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list):
        _any_of(out, branches, defs, depth)
    _fix_required(out)
    _fix_format(out)
    return out


def _resolve(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> dict[str, Any]:
    """Inline a local `$ref` and merge a one-branch `allOf` (pydantic's way of adding a
    description to a referenced model)."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target = defs.get(ref.rsplit("/", 1)[-1])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if isinstance(target, dict) else rest
        return _resolve(schema, defs, depth + 1) if depth < _MAX_DEPTH else schema
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _resolve({**all_of[0], **rest}, defs, depth + 1)
    return schema


def _fix_type(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, list):  # JSON Schema's ["string", "null"]
        kinds = [k for k in kind if k != "null"]
        if len(kinds) < len(kind):
            out["nullable"] = True
        if len(kinds) == 1:
            out["type"] = kinds[0]
        else:
            del out["type"]
    elif kind is not None and not isinstance(kind, str):
        del out["type"]


def _fix_enum(out: dict[str, Any]) -> None:
    """Gemini enums are lists of strings ("enum: only allowed for STRING type")."""
    values = out.get("enum")
    if not isinstance(values, list) or not values:
        out.pop("enum", None)
        return
    out["enum"] = [v if isinstance(v, str) else str(v).lower() for v in values if v is not None]
    out["type"] = "string"


def _any_of(out: dict[str, Any], branches: list[Any], defs: dict[str, Any], depth: int) -> None:
    cleaned = [_clean(b, defs, depth + 1) for b in branches if isinstance(b, dict)]
    if any(b.get("type") == "null" for b in cleaned):
        out["nullable"] = True
        cleaned = [b for b in cleaned if b.get("type") != "null"]
    if len(cleaned) == 1:
        for key, value in cleaned[0].items():
            out.setdefault(key, value)
    elif cleaned:
        out["anyOf"] = cleaned


def _fix_required(out: dict[str, Any]) -> None:
    """`required` may only name properties that exist (Gemini checks)."""
    required = out.get("required")
    if required is None:
        return
    props = out.get("properties") or {}
    names = (
        [n for n in required if isinstance(n, str) and n in props]
        if isinstance(required, list)
        else []
    )
    if names:
        out["required"] = names
    else:
        del out["required"]


def _fix_format(out: dict[str, Any]) -> None:
    fmt = out.get("format")
    if fmt is None:
        return
    allowed = _FORMATS.get(str(out.get("type", "")).lower(), frozenset())
    if fmt not in allowed:
        del out["format"]
