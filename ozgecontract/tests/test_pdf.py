import io

from pypdf import PdfReader

from ozgecontract.pdf import RefusedURLError, html_to_pdf, safe_url_fetcher


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_kazakh_letters_render_with_the_shipped_font():
    html = (
        "<style>@font-face{font-family:D;src:url(fonts/DejaVuSans.ttf)}"
        "body{font-family:D}</style><p>Қол қойылды: ә ғ қ ң ө ұ ү һ і</p>"
    )
    assert "ә ғ қ ң ө ұ ү һ і" in _text(html_to_pdf(html))


def test_fetcher_serves_project_static_files():
    from ozgecontract.pdf import STATIC_BASE_URL

    response = safe_url_fetcher(STATIC_BASE_URL + "fonts/DejaVuSans.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"


def test_fetcher_serves_data_uris():
    assert safe_url_fetcher("data:text/plain,hello").read() == b"hello"


def test_fetcher_refuses_everything_else():
    from ozgecontract.pdf import STATIC_BASE_URL

    for url in (
        "http://127.0.0.1:1/x.png",
        "https://example.com/a.css",
        "file:///etc/passwd",
        STATIC_BASE_URL + "../manage.py",
        "ftp://127.0.0.1/x",
    ):
        try:
            safe_url_fetcher(url)
        except RefusedURLError:
            continue
        raise AssertionError(f"{url} was fetched")


def test_remote_image_is_left_out_and_rendering_still_succeeds():
    pdf = html_to_pdf('<p>Текст</p><img src="http://127.0.0.1:9/x.png">')
    assert "Текст" in _text(pdf)
