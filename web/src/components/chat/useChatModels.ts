// The site's chat models, and the reader's choice among them for chats without an app (remembered across visits).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { api, type ChatModel } from '../../lib/api';
import { describeError } from '../../lib/errors';
import { storedModel } from './chatMessages';

export function useChatModels() {
  const { t } = useI18n();
  const [models, setModels] = useState<ChatModel[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [model, setModel] = useState<string>(() => storedModel() ?? '');
  // Read when a conversation arrives, not when the callback reading it was made.
  const modelsRef = useRef<ChatModel[] | undefined>(undefined);
  modelsRef.current = models;

  const load = useCallback(async () => {
    setError(null);
    try {
      const r = await api.models();
      setModels(r.models);
      setModel((m) => (r.models.some((x) => x.id === m) ? m : (r.models[0]?.id ?? '')));
    } catch (e) {
      setError(describeError(e, t).message);
    }
  }, [t]);

  useEffect(() => {
    void load();
  }, [load]);

  /** Chooses a conversation's own model, if the site still offers it (else the choice stays, and is said). */
  const pick = useCallback((id: string | undefined) => {
    if (id && modelsRef.current?.some((m) => m.id === id)) setModel(id);
  }, []);

  return { models, error, model, setModel, load, pick };
}
