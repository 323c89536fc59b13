// One floating tooltip per diagram. Rows are built with textContent only: labels come from
// frames and must never be parsed as HTML.

export class Tooltip {
  /** `host` must be positioned (the diagram figure is `position: relative`). */
  constructor(host) {
    this.host = host;
    this.el = document.createElement("div");
    this.el.className = "dg-tooltip";
    this.el.setAttribute("role", "tooltip");
    this.el.hidden = true;
    host.appendChild(this.el);
  }

  /** rows: [{title}] | [{k, v}] pairs; shown near the pointer, kept inside the host. */
  show(rows, clientX, clientY) {
    this.el.replaceChildren();
    for (const row of rows) {
      const line = document.createElement("div");
      if (row.title !== undefined) {
        line.className = "dg-tt-title";
        line.textContent = row.title;
      } else {
        line.className = "dg-tt-row";
        const k = document.createElement("span");
        k.className = "dg-tt-k";
        k.textContent = row.k;
        const v = document.createElement("span");
        v.className = "dg-tt-v" + (row.mono ? " mono" : "");
        v.textContent = row.v;
        line.append(k, v);
      }
      this.el.appendChild(line);
    }
    this.el.hidden = false;
    this.move(clientX, clientY);
  }

  move(clientX, clientY) {
    if (this.el.hidden) return;
    const box = this.host.getBoundingClientRect();
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    let x = clientX - box.left + 14;
    let y = clientY - box.top + 14;
    if (x + w > box.width) x = Math.max(0, clientX - box.left - w - 10);
    if (y + h > box.height) y = Math.max(0, clientY - box.top - h - 10);
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }

  hide() {
    this.el.hidden = true;
  }
}
