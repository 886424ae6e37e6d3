"""The browser the web tests use is the real thing: it renders Chinese and runs axe."""

from __future__ import annotations

from tests.browser.conftest import axe_violations


async def test_chromium_renders_a_page_and_axe_checks_it(phone) -> None:  # noqa: ANN001
    await phone.set_content('<html lang="zh-CN"><head><title>邻里</title></head>'
                            '<body><main><h1>你好，邻里</h1>'
                            '<button>报事报修</button></main></body></html>')
    assert await phone.inner_text("h1") == "你好，邻里"
    assert await axe_violations(phone) == []
    await phone.set_content('<html><body><img src="x.png"><button></button></body></html>')
    assert await axe_violations(phone), "axe must see an unlabelled button"
