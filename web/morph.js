// planhost morph: updates a live DOM subtree in place to match new HTML, so
// what the reader holds (focus, selection, scroll, node identity) survives a
// view update. Loaded before app.js; defines one global, `morph`.
//
// Rules, applied to each list of siblings:
// - elements with a `data-key` attribute are matched by key: the old element
//   is reused, moved to its new place, and patched (attributes and text
//   changed only where they differ);
// - other nodes (elements without a key, text, comments) are matched by
//   position among the unkeyed siblings;
// - a match must be the same kind of node (type, tag and namespace), or the
//   old node is replaced;
// - old nodes without a match are removed; new nodes without one are added.
// Only the fewest nodes move: those outside a longest run already in order.
'use strict';

/* exported morph */
const morph = (() => {
  const keyOf = (node) => (node.nodeType === Node.ELEMENT_NODE ? node.getAttribute('data-key') : null);

  const sameKind = (a, b) =>
    a.nodeType === b.nodeType && a.nodeName === b.nodeName && a.namespaceURI === b.namespaceURI;

  /**
   * Makes `container`'s children match `html` (a fragment, parsed inertly:
   * its scripts never run). The container itself is left as it is.
   */
  function morph(container, html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    const kept = holdReaderState(container);
    morphChildren(container, template.content);
    kept.restore();
  }

  /** Remembers scroll, focus and selection; `restore()` puts back what moved. */
  function holdReaderState(container) {
    const { scrollX, scrollY } = window;
    const { scrollLeft, scrollTop } = container;
    const focused = container.contains(document.activeElement) ? document.activeElement : null;
    // Inputs keep their own selection; elsewhere it is the document's.
    const field = focused && typeof focused.selectionStart === 'number'
      ? [focused.selectionStart, focused.selectionEnd, focused.selectionDirection] : null;
    const selection = document.getSelection();
    const range = !field && selection?.rangeCount && container.contains(selection.anchorNode)
      ? [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset] : null;
    return {
      restore() {
        // Moving a node that holds focus blurs it; give focus back if it survived.
        if (focused?.isConnected && document.activeElement !== focused) {
          focused.focus({ preventScroll: true });
          if (field) focused.setSelectionRange(...field);
        }
        if (range && range.every((part) => typeof part === 'number' || container.contains(part))) {
          const [anchor, anchorAt, focus, focusAt] = range;
          const same = selection.anchorNode === anchor && selection.anchorOffset === anchorAt
            && selection.focusNode === focus && selection.focusOffset === focusAt;
          if (!same) selection.setBaseAndExtent(anchor, clamp(anchor, anchorAt), focus, clamp(focus, focusAt));
        }
        if (window.scrollX !== scrollX || window.scrollY !== scrollY) window.scrollTo(scrollX, scrollY);
        if (container.scrollLeft !== scrollLeft) container.scrollLeft = scrollLeft;
        if (container.scrollTop !== scrollTop) container.scrollTop = scrollTop;
      },
    };
  }

  /** An offset still valid in `node` after its text may have shrunk. */
  const clamp = (node, offset) =>
    Math.min(offset, node.nodeType === Node.TEXT_NODE ? node.length : node.childNodes.length);

  /** Makes the children of `from` (live) match those of `to` (consumed). */
  function morphChildren(from, to) {
    const olds = [...from.childNodes];
    const byKey = new Map();
    const unkeyed = [];
    for (const node of olds) {
      const key = keyOf(node);
      if (key == null) unkeyed.push(node);
      else if (!byKey.has(key)) byKey.set(key, node); // a duplicate key is not reused
    }
    const wants = [...to.childNodes];
    let position = 0;
    const matches = wants.map((want) => {
      const key = keyOf(want);
      const have = key == null ? unkeyed[position++] : byKey.get(key);
      if (key != null) byKey.delete(key); // each old node is reused at most once
      return have && sameKind(have, want) ? have : null;
    });

    const reused = new Set(matches);
    for (const node of olds) if (!reused.has(node)) node.remove();

    // Reused nodes whose old order is already right stay put; the rest move.
    const oldIndex = new Map(olds.map((node, index) => [node, index]));
    const stay = longestIncreasing(matches.map((have) => (have ? oldIndex.get(have) : -1)));
    let next = null; // the node that must follow the one being placed
    for (let i = wants.length - 1; i >= 0; i -= 1) {
      const node = matches[i] ?? wants[i]; // a new node moves out of the template
      if (matches[i]) patch(matches[i], wants[i]);
      if (!stay.has(i)) from.insertBefore(node, next);
      next = node;
    }
  }

  /** Makes `have` (live) look like `want` (the same kind of node). */
  function patch(have, want) {
    if (have.nodeType !== Node.ELEMENT_NODE) {
      if (have.nodeValue !== want.nodeValue) have.nodeValue = want.nodeValue;
      return;
    }
    for (const attr of [...have.attributes]) {
      if (!want.hasAttributeNS(attr.namespaceURI, attr.localName)) have.removeAttributeNode(attr);
    }
    for (const attr of want.attributes) {
      if (have.getAttributeNS(attr.namespaceURI, attr.localName) !== attr.value) {
        have.setAttributeNS(attr.namespaceURI, attr.name, attr.value);
      }
    }
    morphChildren(have, want);
  }

  /**
   * The positions in `sequence` of one longest strictly increasing run of
   * its values, skipping negative values (nodes that are new).
   */
  function longestIncreasing(sequence) {
    const tails = []; // tails[n]: position ending the best run of length n + 1 so far
    const before = []; // before[i]: the position preceding i in its run
    sequence.forEach((value, i) => {
      if (value < 0) return;
      let low = 0;
      let high = tails.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (sequence[tails[middle]] < value) low = middle + 1;
        else high = middle;
      }
      before[i] = low > 0 ? tails[low - 1] : -1;
      tails[low] = i;
    });
    const run = new Set();
    for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = before[i]) run.add(i);
    return run;
  }

  return morph;
})();
