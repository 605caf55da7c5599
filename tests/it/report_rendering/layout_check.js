// Appended to a copy of report.html and run by headless Chromium once the page is laid out:
// measures what a reader sees and writes what is wrong, as JSON, into <pre id="layout-check">.
// Boxes are the browser's own (getBoundingClientRect, after fonts and transforms), so this
// checks the rendered page, not the numbers the chart code guessed its labels' widths from.
(() => {
  // Half a pixel of slack: anti-aliased edges of neighbours may touch.
  const SLACK = 0.5;
  const problems = [];
  const overlaps = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > SLACK &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > SLACK;
  const inside = (inner, outer) =>
    inner.left >= outer.left - SLACK && inner.right <= outer.right + SLACK &&
    inner.top >= outer.top - SLACK && inner.bottom <= outer.bottom + SLACK;
  const union = (boxes) => ({
    left: Math.min(...boxes.map((b) => b.left)),
    right: Math.max(...boxes.map((b) => b.right)),
    top: Math.min(...boxes.map((b) => b.top)),
    bottom: Math.max(...boxes.map((b) => b.bottom)),
  });
  const paint = (element) => [element.getAttribute('fill'), element.getAttribute('stroke')]
    .filter((colour) => colour && colour !== 'none')
    .map((colour) => colour.toUpperCase());

  const charts = [...document.querySelectorAll('figure > svg')];
  let texts = 0;
  let marks = 0;
  charts.forEach((svg, index) => {
    const frame = svg.getBoundingClientRect();
    const legend = svg.querySelector('.legend');
    const labels = [...svg.querySelectorAll('text')]
      .map((element) => ({ text: element.textContent.trim(), box: element.getBoundingClientRect(), element }))
      .filter((label) => label.text !== '');
    const chart = `chart ${index + 1} (${labels.length ? labels[0].text : 'no text'})`;
    texts += labels.length;
    labels.forEach((label, at) => {
      if (!inside(label.box, frame)) problems.push(`${chart}: "${label.text}" runs past the chart's edge`);
      if (label.text.includes('\u2026')) problems.push(`${chart}: "${label.text}" is shortened`);
      if (label.text.includes('`')) problems.push(`${chart}: "${label.text}" shows a literal backtick`);
      labels.slice(at + 1).filter((other) => overlaps(label.box, other.box))
        .forEach((other) => problems.push(`${chart}: "${label.text}" overlaps "${other.text}"`));
    });
    if (!legend) {
      problems.push(`${chart}: no legend`);
      return;
    }
    // A data mark is anything outside the legend painted in one of its swatches' colours.
    const swatches = new Set([...legend.querySelectorAll('rect')].flatMap(paint));
    const legendBox = union([...legend.querySelectorAll('rect, text')].map((e) => e.getBoundingClientRect()));
    const data = [...svg.querySelectorAll('rect, circle, polyline, line, path')]
      .filter((element) => !legend.contains(element) && paint(element).some((colour) => swatches.has(colour)));
    if (data.length === 0) problems.push(`${chart}: no data mark in a legend colour`);
    marks += data.length;
    if (data.some((element) => overlaps(legendBox, element.getBoundingClientRect()))) {
      problems.push(`${chart}: the legend covers data`);
    }
    labels.filter((label) => !legend.contains(label.element))
      .filter((label) => overlaps(legendBox, label.box))
      .forEach((label) => problems.push(`${chart}: the legend covers "${label.text}"`));
  });

  // At the test's window width (1280 px) every table fits: none hides columns behind a scrollbar.
  [...document.querySelectorAll('table')]
    .filter((table) => table.scrollWidth > table.clientWidth + 1)
    .forEach((table) => problems.push(`table "${table.previousElementSibling.textContent}" is cut at the right`));
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');

  // What a reader sees as text, charts included: Markdown's code marks must not show.
  const visible = document.body.innerText;
  const backticks = visible.split('\n').filter((line) => line.includes('`'));
  backticks.forEach((line) => problems.push(`a literal backtick: ${line.trim().slice(0, 120)}`));

  const out = document.createElement('pre');
  out.id = 'layout-check';
  // Non-ASCII and markup characters as JSON escapes, so the dumped DOM holds the JSON verbatim.
  out.textContent = JSON.stringify({ charts: charts.length, texts, marks, problems })
    .replace(/[^\x20-\x7e]|[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  document.body.appendChild(out);
})();
