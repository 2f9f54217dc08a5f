/**
 * Figure 4 of Adams & Agesen (ASPLOS 2006) as an SVG bar chart: cycles per
 * operation on a log scale, one group per nanobenchmark, our measured bars
 * beside the paper's native, software-VMM and hardware-VMM figures. Plain
 * SVG text, no dependencies; the numbers are printed on the bars.
 */

/** The paper's Figure 4 (P4, cycles); "≈ native" entries take the native value. See shared/PAPER.md. */
export const PAPER_FIGURE4: Record<string, { native: number; software: number; hardware: number }> = {
  syscall: { native: 242, software: 2308, hardware: 242 },
  in: { native: 3209, software: 214, hardware: 15826 },
  tprwr: { native: 140, software: 35, hardware: 140 },
  "call/ret": { native: 11, software: 51, hardware: 11 },
  pgfault: { native: 1093, software: 3927, hardware: 11242 },
  divzero: { native: 889, software: 3223, hardware: 1014 },
  ptemod: { native: 1, software: 391, hardware: 12733 },
};

export interface Series {
  label: string;
  color: string;
  values: Record<string, number>;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An SVG document: grouped bars per benchmark name, log-scale y axis from 1 to 100,000 cycles. */
export function figure4Svg(title: string, names: readonly string[], series: readonly Series[]): string {
  const W = 900;
  const H = 460;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 80;
  const plotH = H - top - bottom;
  const decades = 5; // 1 .. 100,000
  const y = (v: number) => top + plotH - (Math.log10(Math.max(1, v)) / decades) * plotH;
  const groupW = (W - left - right) / names.length;
  const barW = Math.min(24, (groupW - 16) / series.length);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(title)}</text>`);
  for (let d = 0; d <= decades; d++) {
    const yy = y(10 ** d).toFixed(1);
    out.push(`<line x1="${left}" y1="${yy}" x2="${W - right}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${(10 ** d).toLocaleString("en-US")}</text>`);
  }
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">cycles per operation (log scale)</text>`);
  names.forEach((name, g) => {
    const x0 = left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, k) => {
      const v = s.values[name];
      if (v === undefined) return;
      const x = x0 + k * barW;
      const yy = y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - yy).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.label}: ${name} ${v}`)}</title></rect>`,
      );
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(yy - 4).toFixed(1)}" text-anchor="middle" font-size="9">${v}</text>`);
    });
    out.push(`<text x="${(left + g * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${esc(name)}</text>`);
  });
  series.forEach((s, k) => {
    const x = left + k * 200;
    out.push(`<rect x="${x}" y="${H - 30}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${x + 18}" y="${H - 20}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
