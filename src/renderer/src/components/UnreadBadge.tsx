/** An account's unread messages (SliceView.unread, the host's count): nothing when there are none. */
export function UnreadBadge({ count, testId }: { count: number | undefined; testId: string }) {
  if (!count) return null;
  return (
    <span className="unread" data-testid={testId} aria-label={`${count} unread`}>
      {count}
    </span>
  );
}
