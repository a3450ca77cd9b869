"""Real files for upload tests, made here (no fixtures on disk): PNG and GIF images, and the
impostors a ".png" may really be."""

import struct
import zlib


def png(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A valid RGB PNG: a gradient from `colour`, so a screenshot shows it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    red, green, blue = colour
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((min(255, red + 60 * x // width), min(255, green + 60 * y // height), blue))
            for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SCRIPT = b"#!/bin/sh\nrm -rf --no-preserve-root /\n"


def multipart(
    filename: str, content: bytes, field: str = "file", boundary: str = "b0undary-7e5f"
) -> tuple[bytes, str]:
    """A multipart/form-data body with one file part, and its Content-Type."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
