#!/usr/bin/env python3
"""svgcheck.py -- render a cot-stat SVG with rsvg-convert and check it as a
reader would see it (tests/cli/svg.t).

    svgcheck.py FILE.svg [--panels N]

Checks, each on the rendered pixels (not on the SVG source):
  1. nothing is drawn outside the canvas (the picture is rendered inside a
     wide transparent margin, which must stay empty);
  2. every text element lies inside the canvas, and no two text elements
     overlap (each is rendered alone and its ink's bounding box is taken);
  3. nothing is blank: every panel (from one bold title to the next) has
     ink from its marks (bars, lines, points, bands), not only text;
  4. with --panels N, there are exactly N panels.
Prints one line per problem and exits 1, or prints "ok" and exits 0.
Needs rsvg-convert (Debian: librsvg2-bin) and PIL (python3-pil); exits 77
when either is missing.
"""
import copy
import io
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
try:
    from PIL import Image
except ImportError:
    Image = None

NS = "{http://www.w3.org/2000/svg}"
MARGIN = 200


def text_box(style, el, x, y, left=1000, up=40, down=20):
    """Canvas box (x0, y0, x1, y1) of one text's ink (alpha >= 64), rendered
    alone in a window around its anchor (x, y); None when it draws nothing."""
    win = ET.Element(NS + "svg", {
        "width": str(2 * left), "height": str(up + down),
        "viewBox": "%g %g %d %d" % (x - left, y - up, 2 * left, up + down)})
    for s in style:
        win.append(copy.deepcopy(s))
    win.append(copy.deepcopy(el))
    png = subprocess.run(["rsvg-convert", "-f", "png"], input=ET.tostring(win),
                         stdout=subprocess.PIPE, check=True).stdout
    a = Image.open(io.BytesIO(png)).convert("RGBA").getchannel("A")
    b = a.point(lambda v: 255 if v >= 64 else 0).getbbox()
    if b is None:
        return None
    ox, oy = x - left, y - up
    return (b[0] + ox, b[1] + oy, b[2] - 1 + ox, b[3] - 1 + oy)


def render(root, w, h):
    """Render root inside a transparent margin; alpha rows of the result."""
    outer = ET.Element(NS + "svg", {
        "width": str(w + 2 * MARGIN), "height": str(h + 2 * MARGIN),
        "viewBox": "%g %g %g %g" % (-MARGIN, -MARGIN, w + 2 * MARGIN, h + 2 * MARGIN)})
    for child in root:
        c = copy.deepcopy(child)
        # A background sized in percent would fill the margin as well.
        if c.get("width") == "100%":
            c.set("width", "%g" % w)
        if c.get("height") == "100%":
            c.set("height", "%g" % h)
        outer.append(c)
    svg = ET.tostring(outer)
    png = subprocess.run(["rsvg-convert", "-f", "png"], input=svg,
                         stdout=subprocess.PIPE, check=True).stdout
    return Image.open(io.BytesIO(png)).convert("RGBA").getchannel("A")


def bbox(alpha, lo=1, box=None):
    """Bounding box (x0, y0, x1, y1) in canvas coordinates of the ink with
    alpha >= lo (within box, in image coordinates, when given), or None."""
    im = alpha.crop(box) if box else alpha
    b = im.point(lambda a: 255 if a >= lo else 0).getbbox()
    if b is None:
        return None
    ox, oy = (box[0], box[1]) if box else (0, 0)
    return (b[0] + ox - MARGIN, b[1] + oy - MARGIN, b[2] + ox - MARGIN - 1,
            b[3] + oy - MARGIN - 1)


def only(root, keep):
    """A copy of root with its <style> and the elements keep() accepts."""
    r = ET.Element(root.tag, root.attrib)
    for el in root:
        if el.tag == NS + "style" or keep(el):
            r.append(copy.deepcopy(el))
    return r


def label(el):
    return "".join(t for t in el.itertext()).strip()[:60]


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    want_panels = None
    if "--panels" in args:
        k = args.index("--panels")
        want_panels = int(args[k + 1])
        del args[k:k + 2]
    if not shutil.which("rsvg-convert"):
        print("svgcheck: rsvg-convert not found (Debian: librsvg2-bin)", file=sys.stderr)
        return 77
    if Image is None:
        print("svgcheck: Python's PIL not found (Debian: python3-pil)", file=sys.stderr)
        return 77
    root = ET.parse(args[0]).getroot()
    w, h = float(root.get("width")), float(root.get("height"))
    bad = []

    # 1. Nothing outside the canvas.
    full = render(root, w, h)
    W, H = full.size
    cx0, cy0, cx1, cy1 = MARGIN, MARGIN, MARGIN + int(w), MARGIN + int(h)
    for box in ((0, 0, W, cy0), (0, cy1 + 1, W, H), (0, 0, cx0, H), (cx1 + 1, 0, W, H)):
        b = bbox(full, 1, box)
        if b:
            bad.append("ink outside the canvas at %s" % (b,))

    # 2. Each text inside the canvas, and no two overlap: each text is
    # rendered alone, in a window around its anchor, and its ink's box taken.
    texts = [el for el in root if el.tag == NS + "text"]
    style = [el for el in root if el.tag == NS + "style"]
    boxes = []
    for el in texts:
        x, y = float(el.get("x")), float(el.get("y"))
        b = text_box(style, el, x, y)
        if b is None:
            if label(el):
                bad.append("text not found in the rendering: %r" % label(el))
            continue
        boxes.append((b, el))
        if b[0] < 0 or b[1] < 0 or b[2] > w or b[3] > h:
            bad.append("text leaves the canvas: %r at %s" % (label(el), b))
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            (a, ea), (b, eb) = boxes[i], boxes[j]
            if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                bad.append("texts overlap: %r and %r" % (label(ea), label(eb)))

    # 3. Every panel has marks.  Panels start at their bold title; the
    # first title is the header of the whole picture.
    titles = sorted(float(el.get("y")) for el in texts
                    if "title" in el.get("class", "").split())
    starts = titles[1:]
    marks = {"bar", "rate", "band"}
    mr = render(only(root, lambda e: e.tag == NS + "circle" or
                     marks & set(e.get("class", "").split())), w, h)
    for k, y0 in enumerate(starts):
        y1 = starts[k + 1] if k + 1 < len(starts) else h
        if not bbox(mr, 1, (0, MARGIN + int(y0), mr.size[0], MARGIN + int(y1))):
            bad.append("panel %d (title at y=%g) is blank" % (k + 1, y0))
    if not starts:
        bad.append("no panels: the picture is blank")
    if want_panels is not None and len(starts) != want_panels:
        bad.append("%d panels, expected %d" % (len(starts), want_panels))

    for m in bad:
        print(m)
    if not bad:
        print("ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
