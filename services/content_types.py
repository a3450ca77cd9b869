"""What a file really is, from its first bytes (python-magic, on the system's libmagic), and
which types each allowed extension may hold. The client's Content-Type and file name are
never believed: a ".png" that sniffs as a PDF, HTML or a script is refused.

libmagic is a system library, not a pip package: without it python-magic cannot be imported,
and the start stops with one line naming the package to install (check_libmagic).
"""

from collections.abc import Callable, Collection
from typing import Any

from services.connectivity import StartupError

SNIFF_BYTES = 8192  # enough for libmagic to tell every type below apart
# The types an extension may hold. SVG is not here on purpose: it can carry script.
TYPES_BY_EXTENSION = {
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".gif": ("image/gif",),
    ".webp": ("image/webp",),
    ".pdf": ("application/pdf",),
}
MISSING_LIBMAGIC = (
    "libmagic is not installed (python-magic needs it to check uploads): install the system "
    "package libmagic1 (Debian/Ubuntu: apt-get install libmagic1; Fedora: file-libs; "
    "macOS: brew install libmagic)"
)

Sniffer = Callable[[bytes], str]


def _magic() -> Any:
    try:
        import magic  # loads libmagic now: its absence is reported, not raised at import
    except ImportError:
        raise StartupError(MISSING_LIBMAGIC) from None
    return magic


def check_libmagic() -> None:
    _magic()


def sniffer() -> Sniffer:
    magic = _magic()

    def sniff(head: bytes) -> str:
        return str(magic.from_buffer(head, mime=True))

    return sniff


def check_extensions(extensions: Collection[str]) -> None:
    """ALLOWED_EXTENSIONS names only extensions whose types are known here."""
    unknown = sorted(set(extensions) - set(TYPES_BY_EXTENSION))
    if unknown:
        raise StartupError(
            f"ALLOWED_EXTENSIONS: {', '.join(unknown)} cannot be checked; "
            f"choose among {', '.join(TYPES_BY_EXTENSION)}"
        )
