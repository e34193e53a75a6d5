import pytest

from signatures.tests.test_sealing import make_signed_contract

pytestmark = pytest.mark.browser


def test_screens(live_server, phone, shots, transactional_db, tmp_path):
    signature, _, signed = make_signed_contract(number="OC-00042")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    phone.goto(f"{live_server.url}/verify/")
    shots(phone, "form")
    phone.set_input_files("input[type=file]", str(path))
    phone.click("button[type=submit]")
    phone.wait_for_selector("[data-testid=verification-result]")
    shots(phone, "result")
    phone.goto(f"{live_server.url}/verify/{signature.contract.contract_token}/")
    shots(phone, "token")
    phone.click("button[value=kk]")
    phone.wait_for_load_state()
    shots(phone, "token-kk")
    phone.goto(f"{live_server.url}/verify/nonsense/")
    shots(phone, "notfound")
