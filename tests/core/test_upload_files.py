"""A broken upload leaves no temporary file open: the request closes what its parser opened."""
import gc
import sys

BROKEN = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
          b"Content-Type: application/pdf\r\n\r\n" + b"a" * (1024 * 1024) + b"\r\n--x\r\nbroken")


def test_a_multipart_body_broken_after_a_large_file_leaves_no_file_open(app, client, monkeypatch):
    leaked = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: leaked.append(unraisable.exc_value))
    for _ in range(5):
        response = client.post("/register", data=BROKEN, content_type="multipart/form-data; boundary=x")
        assert response.status_code < 500
    gc.collect()
    assert [e for e in leaked if isinstance(e, ResourceWarning)] == []
