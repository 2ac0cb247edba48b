"""The SSE decoder follows the WHATWG rules however the bytes are cut."""

from __future__ import annotations

from llmrouter.sse import SSEDecoder, SSEEvent, encode_data, encode_event
from tests.fakes import fixture


def decode_in_pieces(data: bytes, cut: int) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = decoder.decode(data[:cut]) + decoder.decode(data[cut:])
    return events + decoder.flush()


def test_every_split_point_gives_the_same_events() -> None:
    data = fixture("openai/tools.sse").replace(b"\n", b"\r\n")
    data += 'data: {"x": "ü€👋"}\r\n\r\n'.encode()
    whole = decode_in_pieces(data, len(data))
    assert len(whole) == 13
    for cut in range(len(data)):
        assert decode_in_pieces(data, cut) == whole, cut


def test_byte_by_byte_multibyte_characters_survive() -> None:
    data = 'event: delta\ndata: {"t": "日本語 👋"}\n\n'.encode()
    decoder = SSEDecoder()
    events = [e for i in range(len(data)) for e in decoder.decode(data[i : i + 1])]
    assert events == [SSEEvent("delta", '{"t": "日本語 👋"}')]


def test_field_rules() -> None:
    data = b": comment\nevent: x\ndata:no-space\ndata:  two\nid: 7\nretry: 5\nbogus: y\n\n"
    data += b"data: second\r\rdata: third\n\n\n\n"
    events = SSEDecoder().decode(data)
    assert events == [
        SSEEvent("x", "no-space\n two"),
        SSEEvent("message", "second"),
        SSEEvent("message", "third"),
    ]


def test_lf_only_streams_read_the_same_as_crlf_ones_at_every_split() -> None:
    """LF-only input takes a faster path through the decoder; it must not read differently."""
    lf = b": comment\nevent: x\ndata:no-space\ndata:  two\ndata\nid: 7\nbogus: y\n\n"
    lf += 'event:\ndata: {"t": "日本語 👋"}\n\n\n\ndata: last\n\n'.encode()
    crlf = lf.replace(b"\n", b"\r\n")
    want = decode_in_pieces(crlf, len(crlf))
    assert want[0] == SSEEvent("x", "no-space\n two\n") and len(want) == 3
    for cut in range(len(lf) + 1):
        assert decode_in_pieces(lf, cut) == want, cut


def test_a_cr_at_the_end_of_a_read_is_half_of_a_crlf() -> None:
    decoder = SSEDecoder()
    assert decoder.decode(b"data: a\r") == []
    assert decoder.decode(b"\n\r\n") == [SSEEvent("message", "a")]


def test_flush_dispatches_a_last_unterminated_event() -> None:
    decoder = SSEDecoder()
    assert decoder.decode(b"data: tail") == []
    assert decoder.flush() == [SSEEvent("message", "tail")]


def test_encoders() -> None:
    assert encode_data({"a": 1}) == b'data: {"a":1}\n\n'
    assert encode_event("ping", {"type": "ping"}) == b'event: ping\ndata: {"type":"ping"}\n\n'


def test_a_line_longer_than_the_limit_is_a_protocol_error() -> None:
    import pytest

    from llmrouter.errors import UpstreamProtocolError
    from llmrouter.ndjson import NDJSONDecoder
    from llmrouter.sse import MAX_LINE

    for decoder in (SSEDecoder(), NDJSONDecoder()):
        assert decoder.decode(b"data: {}\n\n" if isinstance(decoder, SSEDecoder) else b"{}\n")
        with pytest.raises(UpstreamProtocolError, match="longer than"):
            decoder.decode(b"x" * (MAX_LINE + 1))
