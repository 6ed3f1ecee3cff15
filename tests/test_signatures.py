"""The signature schemes, checked against Alibaba's own vectors (the Green SDK's ROA signer
run on fixed inputs, docs/api.md) and against the RPC signer of the installed SDK."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit

import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer

from pipeline.errors import ContentDigestMismatchError, UnauthorizedError
from pipeline.signatures import SignedRequest, read_signature
from pipeline.signatures.acs import content_md5, form_pairs, roa_string_to_sign
from pipeline.signatures.stamps import http_date

KEY_ID, SECRET = "testAccessKeyId", "testAccessKeySecret"
DATE = "Tue, 14 Mar 2017 06:29:50 GMT"
SDK_HEADERS = {
    "x-acs-region-id": "cn-shanghai",
    "x-acs-signature-method": "HMAC-SHA1",
    "x-acs-signature-version": "1.0",
    "x-acs-version": "2018-05-09",
}


def roa(
    path: str, query: dict[str, str], body: bytes, signature: str, **headers: str
) -> SignedRequest:
    sent = {
        "accept": "application/json",
        "date": DATE,
        "authorization": f"acs {KEY_ID}:{signature}",
        **({"content-md5": content_md5(body)} if body else {}),
        **{name.replace("_", "-"): value for name, value in headers.items()},
    }
    return SignedRequest("POST", path, urlencode(query), sent, body)


def test_v1_detect_face_as_the_python_sdk_sends_it() -> None:
    body = b'{"dataId":"d1","url":"http://example.com/face1.jpeg"}'
    request = roa(
        "/green/face/detect", {"RegionId": "cn-shanghai"}, body, "uynpeCHHKCLjfiDg1B3jK1ONhbE=",
        content_type="application/octet-stream", x_acs_action="DetectFace", **SDK_HEADERS,
    )  # fmt: skip
    assert request.headers["content-md5"] == "7s0i5dW94naVrHjxxvuFFw=="
    assert roa_string_to_sign(request) == (
        "POST\napplication/json\n7s0i5dW94naVrHjxxvuFFw==\napplication/octet-stream\n"
        f"{DATE}\nx-acs-action:DetectFace\nx-acs-region-id:cn-shanghai\n"
        "x-acs-signature-method:HMAC-SHA1\nx-acs-signature-version:1.0\n"
        "x-acs-version:2018-05-09\n/green/face/detect?RegionId=cn-shanghai"
    )
    signature = read_signature(request)
    assert (signature.scheme, signature.key_id) == ("acs-roa", KEY_ID)
    assert signature.expected(SECRET) == signature.given
    assert signature.expected("another secret") != signature.given
    assert signature.issued_at == http_date(DATE) == 1489472990


def test_v2_hand_built_with_nonce_and_client_info() -> None:
    body = (
        b'{"scenes":["sface-n"],"tasks":[{"dataId":"t1","url":"http://example.com/q.jpg",'
        b'"extras":{"groupId":"g1"}}]}'
    )
    client_info = '{"ip":"127.0.0.2","userId":"120234234","userNick":"Mike","userType":"others"}'
    request = roa(
        "/green/image/scan", {"clientInfo": client_info}, body, "PkIbNzt1FqGZwhFh8Vp+lT1UoPk=",
        content_type="application/json",
        x_acs_signature_nonce="339497c2-d91f-4c17-a0a3-1192ee9e2202",
        x_acs_signature_method="HMAC-SHA1", x_acs_signature_version="1.0",
        x_acs_version="2018-05-09",
    )  # fmt: skip
    assert request.headers["content-md5"] == "QDK4vQbwdGoRJTMIiJLfbg=="
    assert roa_string_to_sign(request).endswith(f"/green/image/scan?clientInfo={client_info}")
    signature = read_signature(request)
    assert signature.expected(SECRET) == signature.given
    assert signature.nonce == "339497c2-d91f-4c17-a0a3-1192ee9e2202"


def test_v3_query_keys_are_sorted_and_decoded() -> None:
    body = b'{"personId":"person1","groupIds":["group1"],"name":"Tom","note":"Male"}'
    query = {"RegionId": "cn-shanghai", "ClientInfo": '{"userId":"u1"}'}
    request = roa(
        "/green/sface/person/add", query, body, "yMUkOJ1E3AFK8AAzS2z5AwY4xc8=",
        content_type="application/json", x_acs_action="AddPerson", **SDK_HEADERS,
    )  # fmt: skip
    assert request.headers["content-md5"] == "3AhVPhimiQ4cats8r8lOhA=="
    assert roa_string_to_sign(request).endswith(
        '/green/sface/person/add?ClientInfo={"userId":"u1"}&RegionId=cn-shanghai'
    )
    signature = read_signature(request)
    assert signature.expected(SECRET) == signature.given


def test_v4_an_empty_body_leaves_both_content_lines_empty() -> None:
    request = roa(
        "/green/sface/groups", {"RegionId": "cn-shanghai"}, b"", "unused",
        x_acs_action="GetGroups", **SDK_HEADERS,
    )  # fmt: skip
    assert roa_string_to_sign(request).startswith(f"POST\napplication/json\n\n\n{DATE}\n")
    read_signature(request)  # no Content-MD5 needed without a body


def test_the_captured_sdk_request_verifies() -> None:
    # DetectFaceRequest from aliyun-python-sdk-core 2.16.1 + green 3.6.6, as sent on the wire.
    body = b'{"dataId": "d1", "url": "http://example.com/face1.jpeg"}'
    headers = {
        "host": "127.0.0.1:39797",
        "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/2.16.1",
        "accept-encoding": "identity",
        "accept": "application/json",
        "connection": "keep-alive",
        "x-acs-action": "DetectFace",
        "x-acs-version": "2018-05-09",
        "x-sdk-invoke-type": "normal",
        "content-type": "application/octet-stream",
        "content-md5": "5K8/fCNmt/PZpCqXgPZ4cA==",
        "x-acs-region-id": "cn-shanghai",
        "date": "Tue, 01 Dec 2026 01:13:21 GMT",
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        "authorization": "acs testAccessKeyId:kNYlqKUSHTDhTP2numNQp+x/EZU=",
        "x-sdk-client": "python/2.0.0",
        "content-length": "56",
    }
    request = SignedRequest("POST", "/green/face/detect", "RegionId=cn-shanghai", headers, body)
    signature = read_signature(request)
    assert signature.expected(SECRET) == signature.given


def test_a_tampered_body_fails_its_content_md5() -> None:
    body = b'{"dataId":"d1","url":"http://example.com/face1.jpeg"}'
    request = roa(
        "/green/face/detect", {}, body, "x", content_type="application/json", **SDK_HEADERS
    )
    tampered = SignedRequest(
        request.method, request.path, request.query, request.headers, body + b" "
    )
    with pytest.raises(ContentDigestMismatchError):
        read_signature(tampered)
    unsigned_body = {k: v for k, v in request.headers.items() if k != "content-md5"}
    with pytest.raises(ContentDigestMismatchError):
        read_signature(SignedRequest("POST", "/green/face/detect", "", unsigned_body, body))


def test_only_hmac_sha1_and_a_date_are_accepted() -> None:
    body = b"{}"
    with pytest.raises(UnauthorizedError, match="HMAC-SHA1"):
        read_signature(roa("/p", {}, body, "x", x_acs_signature_method="HMAC-SM3"))
    no_date = roa("/p", {}, body, "x")
    headers = {k: v for k, v in no_date.headers.items() if k != "date"}
    with pytest.raises(UnauthorizedError, match="Date"):
        read_signature(SignedRequest("POST", "/p", "", headers, body))


def test_rpc_signature_of_the_sdk_signer_verifies() -> None:
    form = {"SourceImageType": "FacePic", "SourceImageValue": "a+b/c= d*~", "TargetImageType": "X"}
    query = {"Action": "CompareFaces", "Version": "2019-03-07", "RegionId": "cn-hangzhou"}
    url, _ = rpc_signature_composer.get_signed_url(query, KEY_ID, SECRET, "JSON", "POST", form)
    request = SignedRequest(
        "POST",
        "/",
        urlsplit(url).query,
        {"content-type": "application/x-www-form-urlencoded"},
        urlencode(form).encode(),
    )
    signature = read_signature(request)
    assert (signature.scheme, signature.key_id) == ("acs-rpc", KEY_ID)
    assert signature.expected(SECRET) == signature.given
    assert signature.nonce
    tampered = SignedRequest(
        "POST", "/", request.query, request.headers, request.body.replace(b"X", b"Y")
    )
    assert read_signature(tampered).expected(SECRET) != signature.given


@pytest.mark.parametrize(
    "text", ["", "plain-._~", "a+b/c=", " *!'()%25", "é中\u3000", "%%", "k=v&x=y", "\x00\x7f"]
)
def test_percent_encoding_equals_rfc_3986_quote(text: str) -> None:
    from pipeline.signatures.acs import _percent  # noqa: PLC0415 - the private helper

    assert _percent(text) == quote(text, safe="~")
    assert _percent(_percent(text)) == quote(quote(text, safe="~"), safe="~")


@pytest.mark.parametrize(
    "form",
    ["a=1&b=x+y", "k=%2B%2b%2F%3D", "p=%252B&q=%25&r=%%2B", "s=%E4%B8%AD&t=%FF", "bare&=v&&", ""],
)
def test_form_decoding_equals_parse_qsl(form: str) -> None:
    assert form_pairs(form) == parse_qsl(form, keep_blank_values=True)


@pytest.mark.parametrize(
    "wire", ["abc", "a+b%2B%2F%3D", "%2b", "%41", "%", "%zz", "a*b", "%E4%B8%AD", "~-._", ""]
)
def test_the_fast_canonical_form_equals_decode_then_encode(wire: str) -> None:
    from pipeline.signatures.acs import _canonical  # noqa: PLC0415 - the private helper

    assert _canonical(wire) == quote(unquote_plus(wire), safe="~")
