/** French typography checks for the catalog tests (issue 18). */

/** Plain spaces where French wants no-break ones, ASCII apostrophes and quotes. */
export function typographyProblems(text: string): string[] {
  const problems: string[] = [];
  if (/ [:;!?»]/.test(text)) problems.push('plain space before : ; ! ? »');
  if (/« /.test(text)) problems.push('plain space after «');
  if (/[^\s\u00a0\u202f][;!?»]/.test(text)) problems.push('no space before ; ! ? »');
  if (/«[^\u00a0]/.test(text)) problems.push('no space after «');
  if (/[A-Za-zÀ-ÿ}][:](?!\/\/)/.test(text)) problems.push('no space before :');
  if (/'/.test(text)) problems.push('ASCII apostrophe (use ’)');
  if (/"/.test(text)) problems.push('ASCII quotes (use « »)');
  return problems;
}
