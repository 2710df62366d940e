import { Link } from '../../lib/router';
import { defaultSquare, squareHref, withFilter } from '../../lib/squareUrl';

/** An app's tags, each a link to the square filtered by it. */
export function TagList({ tags, testId = 'app-tags' }: { tags: string[]; testId?: string }) {
  if (tags.length === 0) return null;
  return (
    <ul className="tag-list" data-testid={testId}>
      {tags.map((tag) => (
        <li key={tag}>
          <Link to={squareHref(withFilter(defaultSquare, { tag }))} className="tag-chip" data-testid="app-tag" data-tag={tag}>
            #{tag}
          </Link>
        </li>
      ))}
    </ul>
  );
}
