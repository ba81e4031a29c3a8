import re

from playwright.sync_api import expect


def test_probe(login):
    page = login("viewer")
    page.goto("/pricing/")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    cpu = page.locator("#id_cpu")
    cpu.fill("0")
    cpu.press("Tab")
    expect(page.locator("#row-cpu .field-error")).to_be_visible()
    expect(page.locator("#price-result")).to_contain_text("CPU")
    page.locator("#id_cpu").fill("6")
    expect(page.locator('#price-table tr[data-charge="Dynamic"] .price')).to_have_text("1.33")
    assert "cpu=6" in page.url
    page.select_option("#id_premium-cluster", label=re.compile("prod-web"))
    expect(page.locator("#id_premium-super_node option")).to_have_count(1)
    page.select_option("#id_premium-cluster", label=re.compile("staging-api"))
    expect(page.locator("#id_premium-super_node option")).to_have_count(2)
    page.select_option("#id_premium-super_node", "gpu-pool")
    page.locator("#id_premium-gpu_count").fill("4")
    expect(page.locator("#premium-price")).to_have_text("2.40")
    assert "premium-gpu_count=4" in page.url and "cpu=6" in page.url
    page.reload()
    expect(page.locator("#premium-price")).to_have_text("2.40")
    expect(page.locator('#price-table tr[data-charge="Dynamic"] .price')).to_have_text("1.33")
    assert not errors
