() => {
  const W = document.documentElement.clientWidth;
  const sel = ".tk-app svg.marks, .tk-app .widget-slider .noUi-target, .tk-app .widget-readout, .tk-app .widget-label, .tk-app select, .tk-app button, .tk-app input, .tk-app textarea, .tk-app .widget-html-content, .tk-app .tk-number";
  const els = Array.from(document.querySelectorAll(sel)).filter(e => {
    const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden";
  });
  const name = e => (e.tagName + "." + (e.className && e.className.baseVal !== undefined ? e.className.baseVal : e.className) + ":" + (e.innerText || e.value || "").slice(0, 30)).replace(/\s+/g, " ");
  const outside = [];
  const boxes = els.map(e => [e, e.getBoundingClientRect()]);
  for (const [e, r] of boxes) if (r.right > W + 1 || r.left < -1) outside.push([name(e), Math.round(r.left), Math.round(r.right)]);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (x > 2 && y > 2) overlaps.push([name(a), name(b), Math.round(x), Math.round(y)]);
  }
  return {W, n: els.length, outside, overlaps: overlaps.slice(0, 10), nover: overlaps.length, scrollW: document.documentElement.scrollWidth};
}
