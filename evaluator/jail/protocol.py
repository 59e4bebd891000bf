"""Messages between the jail's processes and the host: framing, validation and output digests.

Every message is a frame: four bytes of big-endian length, then that many bytes of JSON. What a
run's process sends is untrusted (completion code shares that process), so the harness checks it
field by field (`run_message`) and treats anything else as the completion's failure.
"""

import gc
import json
import os

# CPython's own BLAKE2 (built in): hashlib would load OpenSSL into every jail, 3 ms of its start.
from _blake2 import blake2b

HEADER = 4
MAX_FRAME = 512 * 2**20
RUN_STATUSES = ("ok", "invalid", "error", "memory")


class FrameError(ValueError):
    """A frame that is truncated, oversized or not the JSON it must be."""


def encode_frame(payload, default=None):
    data = json.dumps(payload, separators=(",", ":"), default=default).encode()
    return len(data).to_bytes(HEADER, "big") + data


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_frame(fd, payload, default=None):
    write_all(fd, encode_frame(payload, default))


class FrameReader:
    """Collects bytes from a pipe and yields whole frames; raises FrameError on a bad one."""

    def __init__(self, cap=MAX_FRAME, decode=None):
        self.buffer = bytearray()
        self.cap = cap
        self.decode = decode or decode_payload

    def feed(self, data):
        self.buffer += data
        if len(self.buffer) > self.cap + HEADER:
            raise FrameError(f"the messages are over the cap of {self.cap} bytes")
        frames = []
        while len(self.buffer) >= HEADER:
            size = int.from_bytes(self.buffer[:HEADER], "big")
            if len(self.buffer) < HEADER + size:
                break
            raw = bytes(self.buffer[HEADER : HEADER + size])
            del self.buffer[: HEADER + size]
            frames.append(self.decode(raw))
        return frames

    @property
    def pending(self):
        return len(self.buffer)


def decode_payload(raw):
    gc.disable()  # decoding makes no cycles; collections would only rescan the harness's heap
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FrameError(f"the message is not valid JSON ({type(exc).__name__})") from None
    finally:
        gc.enable()


class SeenFrames:
    """Frames already decoded in this jail, by the SHA-256 of their bytes, with their digests.

    A measured run almost always returns, byte for byte, what the program's earlier runs did:
    such a frame is not decoded, nor its outputs canonicalised, again (for order-free outputs
    that is most of the harness's time per run). Only frames of at least MIN_BYTES and at most
    MAX_BYTES are kept, at most KEEP of them. The decoded frames are shared: never modified.
    """

    MIN_BYTES = 2048
    MAX_BYTES = 4 * 2**20
    KEEP = 8

    def __init__(self):
        self.frames = {}  # hash of the raw frame -> decoded frame
        self.digests = {}  # (id of a kept frame's outputs list, checker) -> outputs_digest

    def decode(self, raw):
        if not self.MIN_BYTES <= len(raw) <= self.MAX_BYTES:
            return decode_payload(raw)
        key = blake2b(raw, digest_size=32).digest()
        frame = self.frames.get(key)
        if frame is None:
            frame = decode_payload(raw)
            if len(self.frames) >= self.KEEP:
                self.frames.clear()
                self.digests.clear()
            self.frames[key] = frame
        return frame

    def digest(self, outputs, checker):
        key = (id(outputs), checker)
        if key in self.digests:
            return self.digests[key]
        value = outputs_digest(outputs, checker)
        if any(isinstance(f, dict) and f.get("outputs") is outputs for f in self.frames.values()):
            self.digests[key] = value  # the list is kept alive by the frame: its id is stable
        return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def run_start(frame):
    """The first frame of a run (sent before any completion code ran): its CPU clock then."""
    if not isinstance(frame, dict) or set(frame) != {"t0"} or not _is_number(frame["t0"]):
        raise FrameError("the run's first message is malformed")
    if not 0 <= frame["t0"] < 10**6:
        raise FrameError("the run's start time is out of range")
    return float(frame["t0"])


def run_message(frame, tests):
    """Validate a run's result frame; return it normalised or raise FrameError."""
    if not isinstance(frame, dict):
        raise FrameError("the run's result is not an object")
    status = frame.get("status")
    if status not in RUN_STATUSES:
        raise FrameError("the run's result has no valid status")
    if status == "ok":
        outputs = frame.get("outputs")
        if set(frame) != {"status", "outputs"} or not isinstance(outputs, list):
            raise FrameError("the run's result has no output list")
        if len(outputs) != tests:
            raise FrameError(f"the run returned {len(outputs)} outputs for {tests} tests")
        return {"status": "ok", "outputs": outputs}
    error = frame.get("error", "")
    test = frame.get("test", -1)
    if not isinstance(error, str) or not isinstance(test, int) or isinstance(test, bool):
        raise FrameError("the run's error report is malformed")
    if not -1 <= test < tests or set(frame) - {"status", "error", "test", "kind"}:
        raise FrameError("the run's error report is malformed")
    kind = frame.get("kind", "")
    if not isinstance(kind, str):
        raise FrameError("the run's error report is malformed")
    return {"status": status, "error": error[:500], "test": test, "kind": kind[:60]}


def element_key(value):
    """A string equal for two values exactly when they are equal as JSON (sorted keys)."""
    return json.dumps(value, sort_keys=True)


def multiset_key(values):
    """A string equal for two lists exactly when they hold the same elements, in any order.

    Lists of plain ints or of strings (most order-free outputs) are sorted as they are and
    encoded in one call; other lists element by element. A tag tells the three forms apart.
    """
    kinds = {type(v) for v in values}
    if kinds <= {int} or kinds <= {str}:
        return ("i" if kinds <= {int} else "s") + json.dumps(sorted(values))
    return "o" + json.dumps(sorted(map(element_key, values)))


ORDER_FREE = ("unordered", "unordered_nested")


def order_free_key(checker, value):
    """What an order-free checker ("unordered", "unordered_nested") compares; None for a value
    that is not a list (never accepted)."""
    if not isinstance(value, list):
        return None
    if checker == "unordered":
        return [multiset_key(value)]
    return sorted(multiset_key(x) if isinstance(x, list) else element_key(x) for x in value)


def canonical(value, checker):
    """A string equal for two outputs that the checker cannot tell apart (order-free kinds)."""
    if checker in ORDER_FREE and isinstance(value, list):
        return json.dumps(order_free_key(checker, value))
    return element_key(value)


def outputs_digest(outputs, checker):
    """One hash of a run's outputs, equal for runs whose outputs the checker cannot tell apart."""
    digest = blake2b(digest_size=32)
    for value in outputs:
        digest.update(canonical(value, checker).encode())
        digest.update(b"\n")
    return digest.hexdigest()
