"""ZIP files built byte by byte for the tests of the uploads and imports that read them."""

import functools


@functools.cache  # tens of thousands of entries take a while to write; several tests read one
def directory_only_zip(count, declared=None):
    """A ZIP of `count` empty stored files, written as bytes (zipfile takes seconds for as many);
    its end record says it has `declared` (by default `count`)."""
    local, central = [], []
    offset = 0
    for i in range(count):
        name = str(i).encode()
        header = b"PK\x03\x04" + (20).to_bytes(2, "little") + bytes(20) + len(name).to_bytes(2, "little") + bytes(2)
        local.append(header + name)
        central.append(
            b"PK\x01\x02"
            + (20).to_bytes(2, "little") * 2
            + bytes(20)
            + len(name).to_bytes(2, "little")
            + bytes(12)
            + offset.to_bytes(4, "little")
            + name
        )
        offset += len(header) + len(name)
    directory = b"".join(central)
    declared = count if declared is None else declared
    end = (
        b"PK\x05\x06"
        + bytes(4)
        + (declared % 0x10000).to_bytes(2, "little") * 2
        + len(directory).to_bytes(4, "little")
        + offset.to_bytes(4, "little")
        + bytes(2)
    )
    return b"".join(local) + directory + end
