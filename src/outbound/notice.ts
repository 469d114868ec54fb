import type { Change } from "../domain/changes.ts";
/** What one published change tells an outbound endpoint: the change as the API shows it, with its event and session. */
export type ChangeNotice = {
  change: Change;
  event: { id: string; title: string; url: string };
  session: { id: string; title: string; url: string } | null;
};
