"""The plugin's error codes in `enable_error_code` / `disable_error_code` on mypy < 1.19.

mypy before 1.19 validates those settings before it loads any plugin, when
`dangling-task` and `unused-task` are not registered yet.  In a config file
it prints one line (`mypy.ini: [mypy]: disable_error_code: Invalid error
code(s): dangling-task`) and drops the whole setting, mypy's own codes in
it included; on the command line it stops with a usage error, which no
plugin can undo.  mypy 1.19 validates them after loading plugins.

By the time the plugin is constructed its codes are registered, so on an
older mypy it reads the same config file again with mypy's own parser and
puts every dropped setting back into the options, globally and per module,
before any module is checked.  mypy then applies them itself: the same
section precedence, the same inline-comment overrides and the same cache
invalidation as on a newer mypy.
"""

from __future__ import annotations

from typing import Final

from mypy.options import Options
from mypy.version import __version__ as mypy_version

from . import _compat, _version_tuple
from . import errorcodes as _registers_the_codes  # noqa: F401
from .guard import guarded

#: The first mypy that accepts plugin codes in its error-code settings.
ACCEPTED_SINCE: Final = (1, 19)
KEYS: Final = ("disable_error_code", "enable_error_code")


def _restore_dropped_settings(options: Options) -> bool:
    if _version_tuple(mypy_version) >= ACCEPTED_SINCE or not options.config_file:
        return False
    reread = _compat.reread_config_file(options.config_file)
    if reread is None:
        return False
    restored = _restore(options, reread)
    if restored:
        _compat.process_error_codes(options)
    for pattern, reread_section in reread.per_module_options.items():
        section = options.per_module_options.get(pattern)
        if section is not None and _restore_section(section, reread_section):
            restored = True
    if restored:
        _compat.forget_per_module_options(options)
    return restored


def _restore(options: Options, reread: Options) -> bool:
    """The global lists: mypy's own codes, those of the command line and the restored ones."""
    restored = False
    for key in KEYS:
        configured: list[str] = getattr(reread, key)
        current: list[str] = getattr(options, key)
        if not set(configured) <= set(current):
            # The command line adds to the config file's list, as in mypy.
            setattr(options, key, [*configured, *(c for c in current if c not in configured)])
            restored = True
    return restored


def _restore_section(section: dict[str, object], reread: dict[str, object]) -> bool:
    """A per-module section (mypy keeps it, with the dropped setting as an empty list)."""
    restored = False
    for key in KEYS:
        configured = reread.get(key)
        current = section.get(key)
        if isinstance(configured, list) and configured and configured != current:
            section[key] = configured
            restored = True
    return restored


def _nothing_restored(options: Options) -> bool:
    return False


#: Put back the error-code settings an older mypy dropped; True if any was.
#: An unexpected error leaves the settings mypy kept: never the type check's end.
restore_dropped_settings = guarded(_restore_dropped_settings, _nothing_restored)
