"""The official Alibaba Cloud SDKs, unmodified, against the running service: a migrating
user changes the endpoint (and http, where the SDK defaults to https), not the calls."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from aliyunsdkcloudauth.request.v20190307.CompareFacesRequest import CompareFacesRequest
from aliyunsdkcore import request as sdk_request
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.utils import parameter_helper
from aliyunsdkgreen.request.v20180509.AddFacesRequest import AddFacesRequest
from aliyunsdkgreen.request.v20180509.AddGroupsRequest import AddGroupsRequest
from aliyunsdkgreen.request.v20180509.AddPersonRequest import AddPersonRequest
from aliyunsdkgreen.request.v20180509.DeleteFacesRequest import DeleteFacesRequest
from aliyunsdkgreen.request.v20180509.DeleteGroupsRequest import DeleteGroupsRequest
from aliyunsdkgreen.request.v20180509.DeletePersonRequest import DeletePersonRequest
from aliyunsdkgreen.request.v20180509.DetectFaceRequest import DetectFaceRequest
from aliyunsdkgreen.request.v20180509.GetFacesRequest import GetFacesRequest
from aliyunsdkgreen.request.v20180509.GetGroupsRequest import GetGroupsRequest
from aliyunsdkgreen.request.v20180509.GetPersonRequest import GetPersonRequest
from aliyunsdkgreen.request.v20180509.GetPersonsRequest import GetPersonsRequest
from aliyunsdkgreen.request.v20180509.ImageAsyncScanRequest import ImageAsyncScanRequest
from aliyunsdkgreen.request.v20180509.ImageAsyncScanResultsRequest import (
    ImageAsyncScanResultsRequest,
)
from aliyunsdkgreen.request.v20180509.ImageSyncScanRequest import ImageSyncScanRequest
from aliyunsdkgreen.request.v20180509.SearchPersonRequest import SearchPersonRequest
from aliyunsdkgreen.request.v20180509.SetPersonRequest import SetPersonRequest

from tests.service.conftest import FACE, Service
from tests.support import require_fixtures, wait_until

FACE_BASE64 = base64.b64encode(FACE).decode()


@pytest.fixture
def client(service: Service) -> AcsClient:
    return AcsClient(service.key.key_id, service.key.secret, "cn-shanghai")


def on_service(request: Any, service: Service) -> Any:
    """The two lines a migrating user adds: our endpoint, over plain HTTP."""
    request.set_endpoint(urlsplit(service.base_url).netloc)
    request.set_protocol_type("http")
    return request


def detect_request(service: Service, body: dict[str, Any]) -> DetectFaceRequest:
    request = on_service(DetectFaceRequest(), service)
    request.set_content(json.dumps(body).encode())
    return request


def compare_request(service: Service) -> CompareFacesRequest:
    request = on_service(CompareFacesRequest(), service)
    request.set_SourceImageType("FacePic")
    request.set_SourceImageValue(FACE_BASE64)
    request.set_TargetImageType("FacePic")
    request.set_TargetImageValue(FACE_BASE64)
    return request


def refusal(client: AcsClient, request: Any) -> ServerException:
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    return caught.value


def test_green_detect_face_request(client: AcsClient, service: Service) -> None:
    request = detect_request(service, {"dataId": "sdk-1", "url": "base64://" + FACE_BASE64})
    answer = json.loads(client.do_action_with_exception(request))
    assert answer["code"] == 200, answer
    assert answer["dataId"] == "sdk-1"
    assert len(answer["faces"]) == 1
    assert answer["faces"][0]["qualified"] in (True, False)


def test_green_detect_with_client_info_in_the_query(client: AcsClient, service: Service) -> None:
    request = detect_request(service, {"url": "base64://" + FACE_BASE64})
    request.set_ClientInfo(json.dumps({"userId": "u1", "ip": "1.2.3.4"}))
    answer = json.loads(client.do_action_with_exception(request))
    assert answer["code"] == 200, answer


def test_cloudauth_compare_faces_request(client: AcsClient, service: Service) -> None:
    answer = json.loads(client.do_action_with_exception(compare_request(service)))
    assert answer["Success"] is True, answer
    assert answer["Code"] == "200"
    assert answer["Data"]["SimilarityScore"] > 90
    # Cloudauth documents the thresholds as a JSON string keyed by false-accept rate.
    assert set(json.loads(answer["Data"]["ConfidenceThresholds"])) >= {"0.001", "0.0001"}


def test_a_wrong_secret_is_shown_with_its_code_and_request_id(service: Service) -> None:
    wrong = AcsClient(service.key.key_id, "not-the-secret", "cn-shanghai")
    error = refusal(wrong, detect_request(service, {"url": "base64://" + FACE_BASE64}))
    assert (error.get_http_status(), error.get_error_code()) == (401, "SignatureDoesNotMatch")
    assert error.get_request_id()
    error = refusal(wrong, compare_request(service))
    assert error.get_error_code() == "SignatureDoesNotMatch"
    assert error.get_request_id()


def test_an_unknown_access_key_is_refused(service: Service) -> None:
    stranger = AcsClient("no-such-key", "secret", "cn-shanghai")
    error = refusal(stranger, detect_request(service, {"url": "base64://" + FACE_BASE64}))
    assert error.get_error_code() == "InvalidAccessKeyId.NotFound"
    assert error.get_request_id()


def test_a_tampered_body_fails_content_md5(
    client: AcsClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The body on the wire is not the one the SDK digested (and signed).
    monkeypatch.setattr(sdk_request, "md5_sum", lambda _: parameter_helper.md5_sum(b"other"))
    error = refusal(client, detect_request(service, {"url": "base64://" + FACE_BASE64}))
    assert error.get_error_code() == "ContentMD5Mismatch"
    assert error.get_request_id()


def test_a_stale_date_is_refused(
    client: AcsClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        parameter_helper, "get_rfc_2616_date", lambda: "Tue, 14 Mar 2017 06:29:50 GMT"
    )
    error = refusal(client, detect_request(service, {"url": "base64://" + FACE_BASE64}))
    assert error.get_error_code() == "InvalidTimeStamp.Expired"
    assert error.get_request_id()


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    nonce = uuid.uuid4().hex  # one per test, sent with every request
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: nonce)


def test_a_reused_nonce_is_refused(client: AcsClient, service: Service, fixed_nonce: None) -> None:
    first = json.loads(client.do_action_with_exception(compare_request(service)))
    assert first["Success"] is True, first
    error = refusal(client, compare_request(service))
    assert error.get_error_code() == "SignatureNonceUsed"
    assert error.get_request_id()


def test_an_unknown_rpc_action_is_refused(client: AcsClient, service: Service) -> None:
    request = compare_request(service)
    request.set_action_name("DescribeVerifyToken")
    error = refusal(client, request)
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidAction.NotFound")


def green_call(client: AcsClient, service: Service, request: Any, body: Any) -> Any:
    """One Green request of the official SDK, with `body` as its JSON content."""
    on_service(request, service)
    request.set_content(json.dumps(body).encode())
    return json.loads(client.do_action_with_exception(request))


def test_green_face_library_and_search_requests(client: AcsClient, service: Service) -> None:
    """The face library's SDK classes drive every step: person, faces, groups, search."""
    person, group = "sdk-" + uuid.uuid4().hex[:8], "sdk-group-" + uuid.uuid4().hex[:6]
    # A frontal portrait the quality gate passes (the astronaut's tilted head does not).
    portrait = (require_fixtures() / "faces" / "biden.jpg").read_bytes()
    image = "base64://" + base64.b64encode(portrait).decode()
    body = {"personId": person, "groupIds": [group]}
    added = green_call(client, service, AddPersonRequest(), body)
    assert added["data"]["personId"] == person
    faces = green_call(client, service, AddFacesRequest(), {"personId": person, "urls": [image]})
    (item,) = faces["data"]["faceImageItems"]
    assert item["success"] is True, item
    green_call(client, service, SetPersonRequest(), {"personId": person, "name": "Eileen"})
    got = green_call(client, service, GetPersonRequest(), {"personId": person})["data"]
    assert (got["name"], got["faceIds"]) == ("Eileen", [str(item["faceId"])])
    listed = green_call(client, service, GetFacesRequest(), {"personId": person})["data"]
    assert [face["faceId"] for face in listed["faceImageItems"]] == [item["faceId"]]
    assert group in green_call(client, service, GetGroupsRequest(), {})["data"]["groupIds"]
    members = green_call(client, service, GetPersonsRequest(), {"groupId": group})["data"]
    assert members["personIds"] == [person]
    green_call(client, service, AddGroupsRequest(), {"personId": person, "groupIds": ["sdk-x"]})
    green_call(client, service, DeleteGroupsRequest(), {"personId": person, "groupIds": ["sdk-x"]})

    scan = {"scenes": ["sface-n"], "tasks": [{"url": image, "extras": {"groupId": group}}]}
    (found,) = green_call(client, service, ImageSyncScanRequest(), scan)["data"]
    assert found["results"][0]["sfaceData"][0]["faces"][0]["id"] == person
    search = green_call(client, service, SearchPersonRequest(), {"groupId": group, "url": image})
    assert search["data"]["faces"][0]["match"] == person
    (accepted,) = green_call(client, service, ImageAsyncScanRequest(), scan)["data"]

    def polled() -> Any:
        request = on_service(ImageAsyncScanResultsRequest(), service)
        request.set_content(json.dumps([accepted["taskId"]]).encode())
        (result,) = json.loads(client.do_action_with_exception(request))["data"]
        return result if result["code"] != 280 else None

    assert wait_until(polled, timeout=30, what="the async search")["code"] == 200
    green_call(
        client, service, DeleteFacesRequest(), {"personId": person, "faceIds": [item["faceId"]]}
    )
    deleted = green_call(client, service, DeletePersonRequest(), {"personId": person})["data"]
    assert deleted["deleteCount"] == 0
