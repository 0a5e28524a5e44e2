"""A non-Rust consumer: the Python client that openapi-generator generates
from openapi/ev-energy-v2.yaml, used against the running reference service.

Run by `cargo xtask conformance` with BASE_URL and TOKEN set. Exits non-zero
on any failed check.
"""

import os
import sys
from datetime import timezone

import ev_energy
from ev_energy.api.charging_sessions_api import ChargingSessionsApi
from ev_energy.exceptions import UnauthorizedException
from ev_energy.models.dispatcher_log_expand import DispatcherLogExpand

EXAMPLE_SUB_SESSION = "csub01HSH04KDEWF6Z4DB2J77J74K5"


def client(token=None):
    configuration = ev_energy.Configuration(host=os.environ["BASE_URL"])
    # The generator's default format ("%Y-%m-%dT%H:%M:%S.%f%z") writes offsets
    # as +0000, which is not RFC 3339; the service rightly rejects it. Send UTC
    # with a Z instead (and pass UTC datetimes).
    configuration.datetime_format = "%Y-%m-%dT%H:%M:%S.%fZ"
    if token:
        configuration.access_token = token
    api_client = ev_energy.ApiClient(configuration)
    if token:
        # The document's oauth2 scheme: the generated client sends the token as Bearer.
        api_client.default_headers["Authorization"] = f"Bearer {token}"
    return ChargingSessionsApi(api_client)


def main():
    api = client(os.environ["TOKEN"])

    plain = api.list_dispatcher_logs(charging_sub_session_id=EXAMPLE_SUB_SESSION)
    assert len(plain) > 0, "the example sub-session has logs"
    times = [log.logged_at for log in plain]
    assert times == sorted(times, reverse=True), "newest first"
    assert all(log.charging_sub_session.actual_instance.startswith("https://") for log in plain), "URLs without expand"
    assert any(log.reason_not_sent is None for log in plain), "null reason_not_sent decodes"
    print(f"plain: {len(plain)} logs, newest {times[0].astimezone(timezone.utc).isoformat()}")

    expanded = api.list_dispatcher_logs(
        charging_sub_session_id=EXAMPLE_SUB_SESSION,
        expand=[DispatcherLogExpand.CHARGING_SUB_SESSION],
        logged_at__gte=times[-1].astimezone(timezone.utc),
        logged_at__lte=times[0].astimezone(timezone.utc),
    )
    assert len(expanded) == len(plain), "inclusive bounds keep every log"
    sub = expanded[0].charging_sub_session.actual_instance
    assert sub.id == EXAMPLE_SUB_SESSION, sub
    print(f"expanded: sub-session {sub.id}, mode {sub.mode.value}, {sub.energy_delivered_watt_hours} Wh")

    try:
        client().list_dispatcher_logs(charging_sub_session_id=EXAMPLE_SUB_SESSION)
    except UnauthorizedException as error:
        assert error.status == 401, error.status
        problem = error.data
        body = error.body if isinstance(error.body, str) else error.body.decode()
        assert "Authentication credentials were not provided." in body, body
        print(f"typed 401: {type(error).__name__}, problem {problem or body}")
    else:
        raise AssertionError("a request without a token must get 401")
    print("the Python client agrees with the service")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
