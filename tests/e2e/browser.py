"""Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, and an
accessibility check of our own: WCAG 2.1 A/AA rules that can be decided on the DOM (language,
titles, headings, names of controls, links and images, table headers, unique ids, landmarks,
text contrast), in the spirit of axe-core's rules but written here."""

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(width: int = 1366, height: int = 768) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--lang=nl-BE", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver comes from Debian: Selenium Manager must not try to download one.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def wait_for_charts(driver, seconds: int = 30):
    """Until every chart container is drawn (a Chart.js chart or a Leaflet map) or reports why not."""
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(d):
        return d.execute_script("""
            return Array.from(document.querySelectorAll('.chart[data-chart]')).every(el =>
              el.classList.contains('leaflet-container') || (el.querySelector('canvas') && Chart.getChart(el.querySelector('canvas'))) ||
              (el.nextElementSibling && el.nextElementSibling.classList.contains('error')));""")
    WebDriverWait(driver, seconds).until(drawn)


def console_errors(driver) -> list[str]:
    """Console messages of level SEVERE since the last call (JavaScript errors, failed loads)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")
    driver.set_window_size(1366, max(768, height))
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 768)
    return path


# Every rule returns [rule, element description, detail] triples.
ACCESSIBILITY_JS = r"""
const problems = [];
function describe(el) {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\s+/).join('.');
  return s;
}
function visible(el) {
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return style.visibility !== 'hidden' && style.display !== 'none' && rect.width > 0 && rect.height > 0;
}
function name(el) {
  if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
  if (el.getAttribute('aria-labelledby')) {
    return el.getAttribute('aria-labelledby').split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  }
  if (el.tagName === 'IMG') return (el.getAttribute('alt') || '').trim();
  if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent).join(' ').trim();
  if (el.getAttribute('title')) return el.getAttribute('title').trim();
  return (el.textContent || '').trim() || Array.from(el.querySelectorAll('img[alt]')).map(i => i.alt).join(' ').trim();
}
// 3.1.1 language of the page
const lang = document.documentElement.getAttribute('lang') || '';
if (!/^[a-z]{2}(-[A-Z]{2})?$/.test(lang)) problems.push(['html-lang', 'html', lang]);
// 2.4.2 page titled
if (!document.title.trim()) problems.push(['document-title', 'title', '']);
// 1.3.1 / 2.4.6 headings: one h1, no skipped levels, none empty
const headings = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'));
if (headings.filter(h => h.tagName === 'H1').length !== 1) problems.push(['page-has-one-h1', 'h1', String(headings.filter(h => h.tagName === 'H1').length)]);
let level = 0;
for (const h of headings) {
  const l = Number(h.tagName[1]);
  if (level && l > level + 1) problems.push(['heading-order', describe(h), 'h' + level + ' -> h' + l]);
  if (!h.textContent.trim()) problems.push(['empty-heading', describe(h), '']);
  level = l;
}
// landmarks
for (const sel of ['main', 'nav', 'header', 'footer']) if (!document.querySelector(sel)) problems.push(['landmark', sel, 'missing']);
// 1.1.1 images
for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push(['image-alt', describe(img), img.src]);
for (const el of document.querySelectorAll('[role="img"]')) if (!name(el)) problems.push(['role-img-alt', describe(el), '']);
// 4.1.2 form controls, buttons and links have names
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) if (!name(el)) problems.push(['label', describe(el), el.name || '']);
for (const el of document.querySelectorAll('button, [role=button]')) if (visible(el) && !name(el)) problems.push(['button-name', describe(el), '']);
for (const el of document.querySelectorAll('a[href]')) if (visible(el) && !name(el)) problems.push(['link-name', describe(el), el.getAttribute('href')]);
// 4.1.1 unique ids
const seen = {};
for (const el of document.querySelectorAll('[id]')) { if (seen[el.id]) problems.push(['duplicate-id', describe(el), el.id]); seen[el.id] = true; }
for (const el of document.querySelectorAll('[aria-labelledby]')) for (const id of el.getAttribute('aria-labelledby').split(/\s+/)) if (!document.getElementById(id)) problems.push(['aria-valid-reference', describe(el), id]);
// 1.3.1 data tables have header cells; lists hold list items
for (const t of document.querySelectorAll('table')) if (!t.querySelector('th')) problems.push(['table-headers', describe(t), '']);
for (const l of document.querySelectorAll('ul, ol')) for (const c of l.children) if (!['LI', 'SCRIPT', 'TEMPLATE'].includes(c.tagName)) problems.push(['list', describe(l), c.tagName]);
// 2.1.1 nothing scrollable or interactive unreachable: positive tabindex is a smell
for (const el of document.querySelectorAll('[tabindex]')) if (Number(el.getAttribute('tabindex')) > 0) problems.push(['tabindex', describe(el), el.getAttribute('tabindex')]);
// 1.4.3 contrast of visible text (not in the map, whose tiles vary)
function rgba(s) { const m = s.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat([1]).slice(0, 4); }
function luminance(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
function background(el) {
  for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; }
  return [255, 255, 255, 1];
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const checked = new Set();
while (walker.nextNode()) {
  const node = walker.currentNode, el = node.parentElement;
  if (!node.textContent.trim() || !el || checked.has(el) || el.closest('.leaflet-container, script, style, noscript') || !visible(el)) continue;
  checked.add(el);
  const style = getComputedStyle(el);
  const fg = rgba(style.color), bg = background(el);
  const l1 = luminance(fg), l2 = luminance(bg);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) problems.push(['color-contrast', describe(el), ratio.toFixed(2) + ' ' + style.color + ' on ' + bg.join(',')]);
}
return problems;
"""


def accessibility_problems(driver) -> list[list[str]]:
    return driver.execute_script(ACCESSIBILITY_JS)
