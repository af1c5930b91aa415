import { Fragment } from 'react';
import { visibleSegments } from '../fleet/visible-text';

/**
 * Text that came from a server or a sender (addresses, deferral reasons, headers, bodies).
 *
 * Must not change: it goes in only as React text children, never as HTML or into an attribute, and control characters
 * (ANSI escapes, direction overrides) become visible `\xNN` markers, so `<script>` reads as the characters `<script>`
 * and nothing a remote party wrote can restyle, reorder or run on the page.
 */
export function ServerText({ text }: { text: string }) {
  return (
    <>
      {visibleSegments(text).map((segment, index) =>
        segment.control ? (
          <span key={index} className="copper-control-char" title="control character">
            {segment.text}
          </span>
        ) : (
          <Fragment key={index}>{segment.text}</Fragment>
        ),
      )}
    </>
  );
}
