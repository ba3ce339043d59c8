// Sentences from the backend, where `code` is written between backticks (the CLI shows them as
// they are): here the backticked parts become <code>. Text only: nothing is parsed as HTML.
export function Prose({ text }: { text: string }) {
  const parts = text.split("`");
  // An odd number of backticks: one is not a pair, so the sentence is shown as it is.
  if (parts.length % 2 === 0) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <code key={String(i)} className="prose-code">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}
