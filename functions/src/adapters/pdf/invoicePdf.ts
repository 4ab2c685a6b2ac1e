import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { InvoiceRenderer } from '../../app/billing/ports.js';
import type { InvoiceDocument } from '../../domain/invoices.js';

/**
 * Draws an invoice document (domain/invoices.ts) as a PDF with pdf-lib: A4, the standard
 * Helvetica fonts, a table that continues on new pages. Text the fonts cannot encode is
 * shown with `?` in its place.
 */
const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const ROW = 16;
/** Column widths as shares of the table (description, what, quantity, amount). */
const WIDTHS = [0.42, 0.3, 0.13, 0.15];

export class PdfLibInvoiceRenderer implements InvoiceRenderer {
  async pdf(doc: InvoiceDocument): Promise<Uint8Array> {
    const pdf = await PDFDocument.create();
    pdf.setTitle(doc.title);
    pdf.setProducer('Agent Marketplace');
    pdf.setCreationDate(new Date(0)); // the same invoice always draws the same bytes
    pdf.setModificationDate(new Date(0));
    const regular = await pdf.embedFont(StandardFonts.Helvetica);
    const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
    const tableWidth = A4[0] - 2 * MARGIN;
    const xs = WIDTHS.reduce<number[]>((acc, w, i) => [...acc, (acc[i] ?? MARGIN) + w * tableWidth], [MARGIN]);

    let page = pdf.addPage(A4);
    let y = A4[1] - MARGIN;
    const text = (p: PDFPage, s: string, x: number, at: number, font: PDFFont, size: number, maxWidth?: number, right = false) => {
      let t = encodable(font, s);
      if (maxWidth !== undefined) t = fit(font, t, size, maxWidth - 4);
      const width = font.widthOfTextAtSize(t, size);
      p.drawText(t, { x: right && maxWidth !== undefined ? x + maxWidth - 4 - width : x, y: at, size, font, color: rgb(0.1, 0.1, 0.1) });
    };
    const header = () => {
      doc.columns.forEach((c, i) => text(page, c, xs[i]!, y, bold, 9, xs[i + 1]! - xs[i]!, doc.numeric[i]));
      y -= 4;
      page.drawLine({ start: { x: MARGIN, y }, end: { x: A4[0] - MARGIN, y }, thickness: 0.5, color: rgb(0.5, 0.5, 0.5) });
      y -= ROW - 4;
    };

    text(page, doc.title, MARGIN, y, bold, 18);
    y -= 30;
    for (const [label, value] of doc.facts) {
      text(page, label, MARGIN, y, bold, 10);
      text(page, value, MARGIN + 90, y, regular, 10, tableWidth - 90);
      y -= 14;
    }
    y -= 16;
    header();
    for (const row of doc.rows) {
      if (y < MARGIN + ROW * 4) {
        page = pdf.addPage(A4);
        y = A4[1] - MARGIN;
        header();
      }
      row.forEach((cell, i) => text(page, cell, xs[i]!, y, regular, 9, xs[i + 1]! - xs[i]!, doc.numeric[i]));
      y -= ROW;
    }
    y -= 8;
    for (const [label, value] of doc.totals) {
      text(page, label, xs[2]!, y, bold, 10, xs[3]! - xs[2]!);
      text(page, value, xs[3]!, y, bold, 10, xs[4]! - xs[3]!, true);
      y -= 14;
    }
    text(page, doc.footer, MARGIN, MARGIN / 2, regular, 7, tableWidth);
    return pdf.save();
  }
}

/** The text with every character the font cannot encode replaced by `?`. */
function encodable(font: PDFFont, s: string): string {
  try {
    font.encodeText(s);
    return s;
  } catch {
    return [...s]
      .map((c) => {
        try {
          font.encodeText(c);
          return c;
        } catch {
          return '?';
        }
      })
      .join('');
  }
}

/** Shortened with an ellipsis to fit `width` points. */
function fit(font: PDFFont, s: string, size: number, width: number): string {
  if (font.widthOfTextAtSize(s, size) <= width) return s;
  let out = s;
  while (out.length > 1 && font.widthOfTextAtSize(`${out}...`, size) > width) out = out.slice(0, -1);
  return `${out}...`;
}
