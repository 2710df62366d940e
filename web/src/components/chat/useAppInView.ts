// The app the chat in view is with, and the model chosen among the app's models.
import { useEffect, useState } from 'react';
import type { Conversation, Id } from '../../lib/api';
import { appModelIds, useChatApp } from './useChatApp';

interface Options {
  currentId: Id | null;
  /** The ?app= of a new chat (null on /chat/{id}). */
  newApp: string | null;
  /** The conversation in view, once it is known. */
  current: Conversation | undefined;
}

export function useAppInView({ currentId, newApp, current }: Options) {
  // The ?app= of a new chat, then the conversation's own app. It stays while a new conversation
  // gets its id, before the refreshed list names its app.
  const [slug, setSlug] = useState<string | null>(newApp);
  const [model, setModel] = useState('');

  // A new chat takes its app from the address; a conversation from the list, once it is known.
  const knownApp = currentId === null ? newApp : current ? (current.app?.slug ?? null) : undefined;
  useEffect(() => {
    if (knownApp !== undefined) setSlug(knownApp);
  }, [knownApp]);
  const { app, error } = useChatApp(slug);

  // An app chat offers the app's models: the conversation's if it is one of them, else the default.
  const conversationModel = current?.model ?? '';
  useEffect(() => {
    if (!app) return;
    const ids = appModelIds(app);
    setModel((m) => (ids.includes(conversationModel) ? conversationModel : ids.includes(m) ? m : (ids[0] ?? '')));
  }, [app, conversationModel]);

  // The header shows the app as the list remembers it until the app itself is read.
  return { slug, app, error, model, setModel, shown: app ?? current?.app ?? null };
}
