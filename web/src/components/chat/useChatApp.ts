// The app a chat is with, read once per slug (the intro, its models and the header need it).
import { useEffect, useState } from 'react';
import type { ChatModel } from '../../lib/api';
import { appsApi, type App } from '../../lib/apps';

export function useChatApp(slug: string | null) {
  const [app, setApp] = useState<App | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setError(null);
    if (!slug) {
      setApp(null);
      return;
    }
    let current = true;
    setApp((a) => (a?.slug === slug ? a : null));
    appsApi.get(slug).then(
      (a) => current && setApp(a),
      (e: unknown) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [slug]);

  return { app: app && app.slug === slug ? app : null, error };
}

/** The models an app lets people choose from: its default first, then the allowed ones. */
export function appModelIds(app: App): string[] {
  return [...new Set([app.default_model, ...(app.allowed_models ?? [])].filter(Boolean))];
}

/** The app's models as picker entries, named from the catalogue where it knows them. */
export function appPickerModels(app: App, catalogue: ChatModel[] | undefined): ChatModel[] {
  return appModelIds(app).map(
    (id) => catalogue?.find((m) => m.id === id) ?? { id, name: id, description: '', icon: '', context_length: 0 },
  );
}
