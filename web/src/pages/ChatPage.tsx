// The chat: conversations on the side (a drawer on phones), the messages of one conversation,
// and a composer. Answers stream from POST /api/chat; the URL /chat/{id} names the conversation
// so a reload restores it from the server, and /chat?app=<slug> starts one with an app.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AppAvatar } from '../components/apps/AppAvatar';
import { LockedNotice } from '../components/apps/LockedNotice';
import { AppIntro, AppOpening } from '../components/chat/AppIntro';
import { fromServer, idFromRoute, lastSavedIndex, laterMessages, replacedModel, sameId, storedModel } from '../components/chat/chatMessages';
import { isTouchScreen } from '../components/chat/composerInput';
import { ConversationList } from '../components/chat/ConversationList';
import { Composer, type ComposerHandle } from '../components/chat/Composer';
import { ImageDropZone } from '../components/chat/ImageDropZone';
import { useDrawer } from '../components/chat/useDrawer';
import { MessageItem, type ChatMessage } from '../components/chat/MessageItem';
import { ModelIntro } from '../components/chat/ModelIntro';
import { ModelPicker } from '../components/chat/ModelPicker';
import { useChatStream } from '../components/chat/useChatStream';
import { appModelIds, appPickerModels, useChatApp } from '../components/chat/useChatApp';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { Alert } from '../components/Field';
import { ChatIcon, SidebarIcon } from '../components/Icons';
import { useI18n } from '../i18n';
import { api, ApiError, type ChatModel, type Conversation, type Id } from '../lib/api';
import { useAuth } from '../lib/auth';
import { chatDrafts, draftKey } from '../lib/chatDrafts';
import { imagelessModelName } from '../lib/chatImages';
import { withFirstPage, withNextPage } from '../lib/conversationPages';
import { describeError } from '../lib/errors';
import { Link, useQuery, useRouter } from '../lib/router';

export function ChatPage({ routeId }: { routeId: string | null }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  // The app a new chat starts with (only meaningful on /chat, not on /chat/{id}).
  const appParam = useQuery().get('app') || null;
  const newApp = routeId === null ? appParam : null;

  const [models, setModels] = useState<ChatModel[] | undefined>(undefined);
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [model, setModel] = useState<string>(() => storedModel() ?? '');
  const [conversations, setConversations] = useState<Conversation[] | undefined>(undefined);
  const [listError, setListError] = useState<string | null>(null);
  // Where the next page of the list starts (null: all loaded), and the title search it is for.
  const [next, setNext] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [loadingMore, setLoadingMore] = useState(false);
  const [currentId, setCurrentId] = useState<Id | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loading, setLoading] = useState(false);
  // The conversation in view as the server gave it: it may be past the pages loaded, or not match the search.
  const [opened, setOpened] = useState<Conversation | null>(null);
  const [viewError, setViewError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [drawer, setDrawer] = useDrawer();
  const [notice, setNotice] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<Conversation | null>(null);
  const [clearing, setClearing] = useState(false);
  const [busy, setBusy] = useState(false);
  // An edit that deletes later messages waits for the reader's yes; `decide` tells the edit box.
  const editing = useConfirm<{ m: ChatMessage; content: string; decide: (go: boolean) => void }>();
  const [answeringElsewhere, setAnsweringElsewhere] = useState(false);
  const [touch] = useState(isTouchScreen);
  // What the dialog last asked about: where the focus goes when the button that opened it is gone.
  const dialogFor = useRef<'edit' | 'conversations'>('conversations');
  if (editing.open) dialogFor.current = 'edit';
  else if (toDelete !== null || clearing) dialogFor.current = 'conversations';
  // The app of the chat in view: the ?app= of a new chat, then the conversation's own app. It
  // stays while a new conversation gets its id, before the refreshed list names its app.
  const [appSlug, setAppSlug] = useState<string | null>(newApp);
  const [appModel, setAppModel] = useState('');

  // Refs mirror what async callbacks must read at the time they run, not when they were made.
  const currentRef = useRef<Id | null>(null);
  const conversationsRef = useRef<Conversation[] | undefined>(undefined);
  const nextRef = useRef<string | null>(null);
  const queryRef = useRef('');
  const listQueryRef = useRef<string | null>(null); // the search the loaded list answers
  const modelRef = useRef(model);
  const appRef = useRef<string | null>(appSlug);
  const modelsRef = useRef<ChatModel[] | undefined>(undefined);
  const messagesRef = useRef<ChatMessage[]>([]);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const composer = useRef<ComposerHandle>(null);
  conversationsRef.current = conversations;
  nextRef.current = next;
  queryRef.current = query;
  modelRef.current = appSlug ? appModel : model;
  appRef.current = appSlug;
  modelsRef.current = models;
  messagesRef.current = messages;

  const showConversation = useCallback((id: Id | null) => {
    currentRef.current = id;
    setCurrentId(id);
  }, []);

  // ------------------------------------------------------------ loading

  const loadModels = useCallback(async () => {
    setModelsError(null);
    try {
      const r = await api.models();
      setModels(r.models);
      setModel((m) => (r.models.some((x) => x.id === m) ? m : (r.models[0]?.id ?? '')));
    } catch (e) {
      setModelsError(describeError(e, t).message);
    }
  }, [t]);

  // Reads the first page again; the older pages already shown stay below it.
  const loadConversations = useCallback(async () => {
    const q = queryRef.current;
    try {
      const r = await api.listConversations({ q });
      if (q !== queryRef.current) return undefined; // the search changed meanwhile: its own load follows
      const first = { list: r.conversations, next: r.next };
      const loaded = listQueryRef.current === q && conversationsRef.current ? { list: conversationsRef.current, next: nextRef.current } : undefined;
      const merged = withFirstPage(loaded, first);
      listQueryRef.current = q;
      conversationsRef.current = merged.list;
      nextRef.current = merged.next;
      setConversations(merged.list);
      setNext(merged.next);
      setListError(null);
      return merged.list;
    } catch (e) {
      setListError(describeError(e, t).message);
      return undefined;
    }
  }, [t]);

  const loadMore = useCallback(async () => {
    const q = queryRef.current, before = nextRef.current;
    if (!before || !conversationsRef.current || listQueryRef.current !== q) return;
    setLoadingMore(true);
    try {
      const r = await api.listConversations({ q, before });
      // Added to the list as it is now (renamed, deleted or read again meanwhile), unless it no
      // longer ends where this page starts.
      const list = conversationsRef.current;
      if (q !== queryRef.current || before !== nextRef.current || !list) return;
      const merged = withNextPage({ list, next: before }, { list: r.conversations, next: r.next });
      conversationsRef.current = merged.list;
      nextRef.current = merged.next;
      setConversations(merged.list);
      setNext(merged.next);
    } catch (e) {
      setNotice(describeError(e, t).message);
    } finally {
      setLoadingMore(false);
    }
  }, [t]);

  useEffect(() => {
    void loadModels();
  }, [loadModels]);

  // The list loads at once, and again a moment after the search is typed.
  useEffect(() => {
    const timer = setTimeout(() => void loadConversations(), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [query, loadConversations]);

  const loadConversation = useCallback(
    async (id: Id) => {
      setLoading(true);
      setViewError(null);
      setNotFound(false);
      try {
        const r = await api.getConversation(id);
        if (!sameId(currentRef.current, id)) return;
        setMessages(r.messages.map(fromServer));
        setOpened(r.conversation);
        stick.current = true;
        if (r.conversation.model && modelsRef.current?.some((m) => m.id === r.conversation.model)) setModel(r.conversation.model);
      } catch (e) {
        if (!sameId(currentRef.current, id)) return;
        setMessages([]);
        if (e instanceof ApiError && e.status === 404) {
          setNotFound(true);
          setOpened((o) => (o && sameId(o.id, id) ? null : o));  // its title is not shown over "not found"
        } else setViewError(describeError(e, t).message);
      } finally {
        if (sameId(currentRef.current, id)) setLoading(false);
      }
    },
    [t],
  );

  // The URL decides which conversation is shown. Navigations we make ourselves (a new chat
  // getting its id, or adopting the one a refused first message started) find the conversation
  // already shown and change nothing: its composer keeps what was given back or attached since,
  // as the draft of the conversation's id.
  const routeSeen = useRef<string | null | undefined>(undefined);
  const routeKey = routeId ?? `new:${newApp ?? ''}`;
  const userId = user?.id ?? '';
  const routeDraft = draftKey(userId, routeId !== null ? { conversation: routeId } : { app: newApp });
  useEffect(() => {
    if (routeSeen.current === routeKey) return; // only a new URL changes the view
    routeSeen.current = routeKey;
    setDrawer(false);
    setAnsweringElsewhere(false);
    const target = routeId === null ? null : idFromRoute(routeId);
    if (target !== null && sameId(currentRef.current, target)) {
      composer.current?.adopt(routeDraft);
      return;
    }
    // The composer shows this chat's own draft; images attached in the chat left were meant for it.
    composer.current?.open(routeDraft);
    if (target === null) {
      if (currentRef.current === null && messagesRef.current.length === 0) return;
      abortRef.current?.abort();
      showConversation(null);
      setMessages([]);
      setViewError(null);
      setNotFound(false);
      setLoading(false);
      composer.current?.focus();
      return;
    }
    abortRef.current?.abort();
    showConversation(target);
    setMessages([]);
    void loadConversation(target);
    // routeKey stands for routeId and newApp, and routeDraft for them and the user.
  }, [routeKey, showConversation, loadConversation]);

  // Once models arrive, a conversation shown before them picks its own model.
  useEffect(() => {
    if (!models || currentRef.current === null) return;
    const c = conversationsRef.current?.find((x) => sameId(x.id, currentRef.current));
    if (c?.model && models.some((m) => m.id === c.model)) setModel(c.model);
  }, [models]);

  // Keep the view pinned to the bottom while an answer grows, unless the reader scrolled up.
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);
  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  const keepUnsent = useCallback(
    (chat: Id | null, app: string | null, text: string) => {
      const key = draftKey(userId, chat !== null ? { conversation: chat } : { app });
      if (chatDrafts.read(key).trim() === '') chatDrafts.write(key, text);
    },
    [userId],
  );
  const { streaming, abortRef, send, regenerate, edit, stop } = useChatStream({
    currentRef,
    conversationsRef,
    modelRef,
    appRef,
    messagesRef,
    stick,
    setMessages,
    showConversation,
    loadConversations,
    searchRef: queryRef,
    keepUnsent,
    onAnsweringElsewhere: setAnsweringElsewhere,
  });

  // The button pressed is disabled or gone once the answer starts: the keyboard goes on from the message box.
  const answerAgain = useCallback(() => {
    regenerate();
    composer.current?.focus();
  }, [regenerate]);
  const editAndSend = useCallback(
    (m: ChatMessage, content: string) => {
      edit(m, content);
      composer.current?.focus();
    },
    [edit],
  );
  // Editing a question deletes what came after it: asked first when there is anything.
  const { ask: askEdit } = editing;
  const requestEdit = useCallback(
    (m: ChatMessage, content: string) =>
      new Promise<boolean>((decide) => {
        if (laterMessages(messagesRef.current, m.key) > 0) return askEdit({ m, content, decide });
        editAndSend(m, content);
        decide(true);
      }),
    [askEdit, editAndSend],
  );
  const decideEdit = (go: boolean) => {
    const pending = editing.target;
    if (!pending) return;
    editing.cancel();
    pending.decide(go);
    if (go) editAndSend(pending.m, pending.content);
  };

  // On a desktop the message box takes the focus once it can be written in; a touch screen would
  // pop its keyboard over the page unasked.
  const canWrite = (appSlug !== null || !!model) && models !== undefined && models.length > 0;
  const focusedOnce = useRef(false);
  useEffect(() => {
    if (!canWrite || focusedOnce.current || touch) return;
    focusedOnce.current = true;
    composer.current?.focus();
  }, [canWrite, touch]);

  // ------------------------------------------------------------ conversations

  const rename = useCallback(
    async (c: Conversation, title: string) => {
      try {
        const r = await api.renameConversation(c.id, title);
        setConversations((list) => list?.map((x) => (sameId(x.id, c.id) ? r.conversation : x)));
        return true;
      } catch (e) {
        setNotice(describeError(e, t).message);
        return false;
      }
    },
    [t],
  );

  const confirmDelete = async () => {
    const c = toDelete;
    if (!c) return;
    setBusy(true);
    try {
      await api.deleteConversation(c.id);
      chatDrafts.write(draftKey(userId, { conversation: c.id }), '');
      setConversations((list) => list?.filter((x) => !sameId(x.id, c.id)));
      if (sameId(currentRef.current, c.id)) {
        abortRef.current?.abort();
        showConversation(null);
        setMessages([]);
        navigate('/chat');
      }
    } catch (e) {
      setNotice(describeError(e, t).message);
    } finally {
      setBusy(false);
      setToDelete(null);
    }
  };

  const confirmClear = async () => {
    setBusy(true);
    try {
      abortRef.current?.abort();
      await api.clearConversations();
      setConversations([]);
      setNext(null);
      showConversation(null);
      setMessages([]);
      navigate('/chat');
    } catch (e) {
      setNotice(describeError(e, t).message);
    } finally {
      setBusy(false);
      setClearing(false);
    }
  };

  const newChat = () => {
    setDrawer(false);
    if (routeId === null && newApp === null) {
      abortRef.current?.abort();
      showConversation(null);
      setMessages([]);
      composer.current?.open(routeDraft); // the same chat's draft stays; its images go
      composer.current?.focus();
    } else navigate('/chat');
  };


  // ------------------------------------------------------------ view

  const listed = conversations?.find((c) => sameId(c.id, currentId));
  // Remembered while listed, so a search that leaves it out (or a list read again) keeps it named.
  useEffect(() => {
    if (listed) setOpened(listed);
  }, [listed]);
  const current = listed ?? (opened && sameId(opened.id, currentId) ? opened : undefined);

  // A new chat takes its app from the address; a conversation from the list, once it is known.
  const knownApp = currentId === null ? newApp : current ? (current.app?.slug ?? null) : undefined;
  useEffect(() => {
    if (knownApp !== undefined) setAppSlug(knownApp);
  }, [knownApp]);
  const { app, error: appError } = useChatApp(appSlug);
  // An app chat offers the app's models: the conversation's if it is one of them, else the default.
  const conversationModel = current?.model ?? '';
  useEffect(() => {
    if (!app) return;
    const ids = appModelIds(app);
    setAppModel((m) => (ids.includes(conversationModel) ? conversationModel : ids.includes(m) ? m : (ids[0] ?? '')));
  }, [app, conversationModel]);
  const headerApp = app ?? current?.app ?? null;

  const title =
    currentId === null
      ? appSlug
        ? (app?.title ?? '')
        : t('chat.newChat')
      : (current?.title ?? (loading ? '' : t('chat.title')));
  useEffect(() => {
    document.title = `${title || t('chat.title')} · Plaza`;
  }, [title, t]);

  const modelNames = useMemo(() => new Map((models ?? []).map((m) => [m.id, m.name || m.id])), [models]);
  const noModels = models !== undefined && models.length === 0;
  const selected = models?.find((m) => m.id === model);
  // What a refused request left is not the conversation's: answering again is offered above it.
  const lastIndex = lastSavedIndex(messages);
  const pickerModels = appSlug ? (app ? appPickerModels(app, models) : []) : (models ?? []);
  // An app this reader may not use yet (unlock, paying, plan level): say why instead of sending.
  const appLocked = app !== null && app.access?.ok === false && currentId === null;
  const canAsk = (appSlug !== null || !!model) && !noModels && !notFound && !appLocked;
  // The model that will answer (in an app chat: the one chosen among the app's, at first its default).
  const noImagesModel = imagelessModelName(models, appSlug ? appModel : model);
  // A conversation's model the operator has since hidden: the picker shows another, which is said.
  const modelGone = currentId !== null && !appSlug && !loading ? replacedModel(current?.model ?? '', models, model) : null;
  // The opening message heads a conversation with the app, unless the server saved it as the first answer.
  const showOpening = app !== null && currentId !== null && messages.length > 0 && messages[0].content !== app.opening_message;

  return (
    <div className={`chat${drawer ? ' drawer-open' : ''}`} data-testid="chat-page">
      <aside className="chat-sidebar" id="chat-sidebar" data-testid="chat-sidebar" aria-label={t('chat.conversations')}>
        <ConversationList
          conversations={conversations}
          currentId={currentId}
          loadError={listError}
          onRetry={() => void loadConversations()}
          hasMore={next !== null}
          loadingMore={loadingMore}
          onMore={() => void loadMore()}
          query={query}
          onQuery={setQuery}
          onNew={newChat}
          onRename={rename}
          onDelete={setToDelete}
          onClearAll={() => setClearing(true)}
          onPick={() => setDrawer(false)}
        />
      </aside>
      <div className="chat-backdrop" onClick={() => setDrawer(false)} aria-hidden="true" data-testid="chat-backdrop" />

      <ImageDropZone
        className="chat-main"
        enabled={canAsk}
        label={noImagesModel !== null ? t('chat.noImages', { model: noImagesModel }) : t('chat.dropImages')}
        onFiles={(files) => composer.current?.attach(files)}
      >
        <header className="chat-header">
          <button
            type="button"
            className="icon-button drawer-toggle"
            aria-label={t('chat.showConversations')}
            aria-expanded={drawer}
            aria-controls="chat-sidebar"
            onClick={() => setDrawer((d) => !d)}
            data-testid="chat-drawer-toggle"
          >
            <SidebarIcon />
          </button>
          {appSlug && headerApp && (
            <Link
              to={`/apps/${encodeURIComponent(headerApp.slug)}`}
              className="chat-app"
              title={headerApp.title}
              aria-label={t('chat.aboutApp', { title: headerApp.title })}
              data-testid="chat-app"
              data-slug={headerApp.slug}
            >
              <AppAvatar avatar={headerApp.avatar} title={headerApp.title} size="sm" />
              {currentId !== null && <span className="chat-app-name">{headerApp.title}</span>}
            </Link>
          )}
          <h1 className="chat-title" data-testid="chat-title" title={title}>
            {title}
          </h1>
          {appSlug
            ? pickerModels.length > 0 && <ModelPicker models={pickerModels} model={appModel} onChange={setAppModel} remember={false} />
            : models && models.length > 0 && <ModelPicker models={models} model={model} onChange={setModel} />}
        </header>

        {answeringElsewhere && (
          <div className="chat-notice">
            <Alert kind="info" onDismiss={() => setAnsweringElsewhere(false)} testId="chat-answering-elsewhere">
              {t('error.conversationBusy')}
            </Alert>
          </div>
        )}
        {modelGone && (
          <div className="chat-notice">
            <Alert kind="info" testId="chat-model-gone">
              {t('chat.modelGone', modelGone)}
            </Alert>
          </div>
        )}
        {notice && (
          <div className="chat-notice">
            <Alert kind="error" onDismiss={() => setNotice(null)} testId="chat-notice">
              {notice}
            </Alert>
          </div>
        )}

        <div className="chat-scroll" ref={scroller} onScroll={onScroll} data-testid="chat-messages">
          <div className="chat-column">
            {modelsError && (
              <Alert kind="error" testId="models-error">
                {modelsError}{' '}
                <button type="button" className="link-button" onClick={() => void loadModels()}>
                  {t('common.retry')}
                </button>
              </Alert>
            )}
            {appSlug && appError != null && !notFound && (
              <Alert kind="error" testId="chat-app-error">
                {describeError(appError, t).message}
              </Alert>
            )}
            {notFound && (
              <div className="chat-empty" data-testid="conversation-not-found">
                <h2>{t('chat.notFound')}</h2>
                <button type="button" className="button secondary" onClick={newChat}>
                  {t('chat.newChat')}
                </button>
              </div>
            )}
            {viewError && (
              <Alert kind="error" testId="conversation-error">
                {viewError}{' '}
                <button type="button" className="link-button" onClick={() => currentId !== null && void loadConversation(currentId)}>
                  {t('common.retry')}
                </button>
              </Alert>
            )}
            {loading && messages.length === 0 && (
              <div className="page-loading" role="status">
                <span className="spinner" aria-hidden="true" />
                {t('app.loading')}
              </div>
            )}
            {noModels && messages.length === 0 && !loading && (
              <div className="chat-empty" data-testid="no-models">
                <div className="chat-empty-icon">
                  <ChatIcon />
                </div>
                <h2>{t('chat.noModelsTitle')}</h2>
                <p className="muted">{t(user?.role === 'admin' ? 'chat.noModelsBodyAdmin' : 'chat.noModelsBody')}</p>
                {user?.role === 'admin' && (
                  <Link to="/admin/channels" className="button primary" data-testid="no-models-add-channel">
                    {t('chat.noModelsAdmin')}
                  </Link>
                )}
              </div>
            )}
            {!noModels && currentId === null && messages.length === 0 && !notFound && app && (
              <>
                {appLocked && <LockedNotice app={app} />}
                <AppIntro app={app} canAsk={canAsk && !streaming} onAsk={send} />
              </>
            )}
            {!noModels && currentId === null && messages.length === 0 && !notFound && !appSlug && (
              <ModelIntro model={selected} />
            )}
            {showOpening && app && <AppOpening app={app} />}
            {messages.map((m, i) => (
              <MessageItem
                key={m.key}
                m={m}
                modelName={modelNames.get(m.model) ?? (m.model || headerApp?.title || '')}
                isLast={i === lastIndex && currentId !== null}
                busy={streaming}
                onRegenerate={answerAgain}
                onEdit={requestEdit}
                app={appSlug ? headerApp : null}
                noImagesModel={noImagesModel}
              />
            ))}
          </div>
        </div>

        <div className="chat-composer">
          <div className="chat-column">
            <Composer
              ref={composer}
              streaming={streaming}
              disabled={!canAsk}
              placeholder={noModels ? t('chat.placeholderNoModels') : t('chat.placeholder')}
              noImagesModel={noImagesModel}
              onSend={send}
              onStop={stop}
            />
            <p className="composer-hint">{t(touch ? 'chat.hintTouch' : 'chat.hint')}</p>
          </div>
        </div>
      </ImageDropZone>

      {/* One dialog for the page: an edit that deletes later messages, or deleting conversations. */}
      <ConfirmDialog
        open={editing.open || toDelete !== null || clearing}
        danger
        busy={!editing.open && busy}
        fallbackFocus={() =>
          dialogFor.current === 'edit'
            ? document.getElementById('chat-input')
            : document.querySelector<HTMLElement>('#chat-sidebar [data-testid="chat-new"]')
        }
        {...(editing.target
          ? {
              title: t('chat.editConfirmTitle'),
              body: t('chat.editConfirmBody', { n: laterMessages(messages, editing.target.m.key) }),
              confirmLabel: t('chat.editConfirm'),
              onConfirm: () => decideEdit(true),
              onCancel: () => decideEdit(false),
            }
          : {
              title: clearing ? t('chat.clearTitle') : t('chat.deleteTitle', { title: toDelete?.title ?? '' }),
              body: clearing ? t('chat.clearBody') : t('chat.deleteBody'),
              confirmLabel: clearing ? t('chat.clearAll') : t('chat.delete'),
              onConfirm: () => void (clearing ? confirmClear() : confirmDelete()),
              onCancel: () => {
                setToDelete(null);
                setClearing(false);
              },
            })}
      />
    </div>
  );
}
