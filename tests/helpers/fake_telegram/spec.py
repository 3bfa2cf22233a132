"""The Bot API description (api.json) and decoding of request parameters against it.

Everything the fake knows about method signatures and object shapes comes from api.json,
so a call that names a wrong field type or forgets a required field is rejected the same
way Telegram would reject it, without hand-maintained lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import bad_request

# The Bot API description, kept beside the fake (licence: api.json.LICENSE), so a checkout
# anywhere runs the suite.
API_JSON = Path(__file__).resolve().parent / "api.json"
PRIMITIVES = {"Integer", "String", "Boolean", "Float"}
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def find_api_json() -> Path:
    """The Bot API description the fake checks calls against: the copy in this package."""
    return API_JSON


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Decoded:
    params: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


class ApiSpec:
    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = data.get("version", "?")
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): name for name in self.methods}

    def canonical_method(self, name: str) -> str | None:
        return self._by_lower.get(name.lower())

    def method_fields(self, method: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.methods[method].get("fields", [])}

    def type_fields(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.types[type_name].get("fields", [])}

    def subtypes(self, type_name: str) -> list[str]:
        return list(self.types.get(type_name, {}).get("subtypes") or [])

    # -- decoding -------------------------------------------------------------------------

    def decode(self, method: str, raw: dict[str, Any], files: dict[str, Upload]) -> Decoded:
        """Turn raw strings / JSON values into typed params; reject like Telegram does."""
        fields = self.method_fields(method)
        out = Decoded()
        for name, value in raw.items():
            spec = fields.get(name)
            if spec is None:
                out.ignored.append(name)  # Telegram silently ignores unknown parameters
                continue
            out.params[name] = self._decode_value(name, spec["types"], value, files)
        for name, spec in fields.items():
            if spec["required"] and name not in out.params:
                reason = "message text is empty" if name == "text" else f"{name} is required"
                raise bad_request(reason)
        return out

    def _decode_value(self, name: str, types: list[str], value: Any, files: dict) -> Any:
        if "InputFile" in types:
            upload = _as_upload(name, value, files)
            if upload is not None:
                return upload
        if isinstance(value, Upload):
            raise bad_request(f"invalid {name} specified: a file is not accepted here")
        kinds = set(types) - {"InputFile"}
        if not kinds:
            raise bad_request(f"invalid {name} specified: expected a file upload")
        if kinds <= PRIMITIVES:
            return _decode_primitive(name, kinds, value)
        return self._decode_json(name, types, value)

    def _decode_json(self, name: str, types: list[str], value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        wants_array = all(t.startswith("Array of ") for t in types if t not in PRIMITIVES)
        expected = list if wants_array else dict
        if not isinstance(value, expected):
            raise bad_request(f"can't parse {name} JSON object: expected {types[0]}")
        return value

    # -- object shapes --------------------------------------------------------------------

    def shape_errors(self, type_expr: str, value: Any, path: str) -> list[str]:
        """Problems of `value` against an api.json type expression (recursive, required-only)."""
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path} must be an array"]
            inner = type_expr.removeprefix("Array of ")
            return [
                error
                for i, item in enumerate(value)
                for error in self.shape_errors(inner, item, f"{path}[{i}]")
            ]
        if type_expr in PRIMITIVES:
            return [] if _primitive_ok(type_expr, value) else [f"{path} must be {type_expr}"]
        if type_expr not in self.types:
            return []  # InputFile and the like: nothing to check structurally
        if not isinstance(value, dict):
            return [f"{path} must be an object {type_expr}"]
        if subtypes := self.subtypes(type_expr):
            options = [self.shape_errors(s, value, path) for s in subtypes]
            return [] if any(not o for o in options) else min(options, key=len)
        return self._object_errors(type_expr, value, path)

    def _object_errors(self, type_name: str, value: dict, path: str) -> list[str]:
        errors = []
        for name, spec in self.type_fields(type_name).items():
            if name not in value:
                if spec["required"]:
                    errors.append(f'field "{path}.{name}" is required')
                continue
            options = [self.shape_errors(t, value[name], f"{path}.{name}") for t in spec["types"]]
            if options and all(options):
                errors.extend(options[0])
        return errors

    def fill_required(self, type_name: str, base: dict[str, Any], flag: bool = False) -> dict:
        """`base` plus defaults for the required Boolean/Integer fields it does not set.

        Used to build ChatMember / ChatFullInfo results that carry every field api.json
        marks as required, so aiogram can parse them.
        """
        out = dict(base)
        for name, spec in self.type_fields(type_name).items():
            if name in out or not spec["required"]:
                continue
            if spec["types"] == ["Boolean"]:
                out[name] = flag
            elif spec["types"] == ["Integer"]:
                out[name] = 0
            elif spec["types"][0] in self.types and not self.subtypes(spec["types"][0]):
                out[name] = self.fill_required(spec["types"][0], {})
        return out


@cache
def load_spec(path: Path) -> ApiSpec:
    """api.json is ~1 MB; parse it once per process."""
    return ApiSpec(path)


def _as_upload(name: str, value: Any, files: dict[str, Upload]) -> Upload | None:
    if isinstance(value, Upload):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        key = value.removeprefix("attach://")
        if key not in files:
            raise bad_request(f"{name}: file {key!r} referenced by attach:// was not uploaded")
        return files[key]
    return None


def _decode_primitive(name: str, kinds: set[str], value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise bad_request(f"invalid {name} specified: expected {_kind_name(kinds)}")
    text = value if isinstance(value, str) else json.dumps(value)
    if "Integer" in kinds and _INT.fullmatch(text) and not isinstance(value, bool):
        return int(text)
    if "Float" in kinds and _FLOAT.fullmatch(text) and not isinstance(value, bool):
        return float(text)
    if "Boolean" in kinds and text.lower() in ("true", "false", "1", "0"):
        return text.lower() in ("true", "1")
    if "String" in kinds:
        return text
    raise bad_request(f"invalid {name} specified: expected {_kind_name(kinds)}, got {text!r}")


def _kind_name(kinds: set[str]) -> str:
    return " or ".join(sorted(kinds))


def _primitive_ok(kind: str, value: Any) -> bool:
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "Integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_INT.fullmatch(value))
        )
    if kind == "Float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
