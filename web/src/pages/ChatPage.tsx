// The chat: conversations on the side (a drawer on phones), the messages of one conversation,
// and a composer. Answers stream from POST /api/chat; the URL /chat/{id} names the conversation
// so a reload restores it from the server, and /chat?app=<slug> starts one with an app.
import { useEffect, useMemo, useRef, useState } from 'react';
import { LockedNotice } from '../components/apps/LockedNotice';
import { AppIntro, AppOpening } from '../components/chat/AppIntro';
import { ChatConfirmDialog } from '../components/chat/ChatConfirmDialog';
import { ChatHeader } from '../components/chat/ChatHeader';
import { lastSavedIndex, laterMessages, replacedModel } from '../components/chat/chatMessages';
import { ChatNotices } from '../components/chat/ChatNotices';
import { ConversationLoading, ConversationNotFound, NoModels, RetryAlert } from '../components/chat/ChatStates';
import { chatTitle } from '../components/chat/chatTitle';
import { isTouchScreen } from '../components/chat/composerInput';
import { ConversationList } from '../components/chat/ConversationList';
import { Composer, type ComposerHandle } from '../components/chat/Composer';
import { ImageDropZone } from '../components/chat/ImageDropZone';
import { MessageItem } from '../components/chat/MessageItem';
import { ModelIntro } from '../components/chat/ModelIntro';
import { ModelPicker } from '../components/chat/ModelPicker';
import { useAppInView } from '../components/chat/useAppInView';
import { appPickerModels } from '../components/chat/useChatApp';
import { useChatDrafts } from '../components/chat/useChatDrafts';
import { useChatModels } from '../components/chat/useChatModels';
import { useChatStream } from '../components/chat/useChatStream';
import { useConversationList } from '../components/chat/useConversationList';
import { useConversationRemoval } from '../components/chat/useConversationRemoval';
import { useConversationView } from '../components/chat/useConversationView';
import { useDrawer } from '../components/chat/useDrawer';
import { useFirstFocus } from '../components/chat/useFirstFocus';
import { useMessageActions } from '../components/chat/useMessageActions';
import { useRouteConversation } from '../components/chat/useRouteConversation';
import { useStickToBottom } from '../components/chat/useStickToBottom';
import { Alert } from '../components/Field';
import { useI18n } from '../i18n';
import { useAuth } from '../lib/auth';
import { imagelessModelName } from '../lib/chatImages';
import { describeError } from '../lib/errors';
import { useQuery, useRouter } from '../lib/router';

export function ChatPage({ routeId }: { routeId: string | null }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  // The app a new chat starts with (only meaningful on /chat, not on /chat/{id}).
  const appParam = useQuery().get('app') || null;
  const newApp = routeId === null ? appParam : null;

  const [drawer, setDrawer] = useDrawer();
  const [notice, setNotice] = useState<string | null>(null);
  const [answeringElsewhere, setAnsweringElsewhere] = useState(false);
  const [touch] = useState(isTouchScreen);
  const composer = useRef<ComposerHandle>(null);
  // Whether the messages stay pinned to the bottom (the reader has not scrolled up).
  const stick = useRef(true);

  const { models, error: modelsError, model, setModel, load: loadModels, pick: pickModel } = useChatModels();
  const list = useConversationList(setNotice);
  const view = useConversationView({ conversations: list.conversations, stick, pickModel });
  const { currentId, current, messages, loading, notFound } = view;
  const appChat = useAppInView({ currentId, newApp, current });
  const { slug: appSlug, app } = appChat;
  const drafts = useChatDrafts(user?.id ?? '', routeId, newApp);

  // Read by the stream when a message is sent, not when its callbacks were made.
  const modelRef = useRef('');
  const appRef = useRef<string | null>(null);
  modelRef.current = appSlug ? appChat.model : model;
  appRef.current = appSlug;
  const { streaming, send, regenerate, edit, stop } = useChatStream({
    currentRef: view.currentRef,
    conversationsRef: list.conversationsRef,
    modelRef,
    appRef,
    messagesRef: view.messagesRef,
    stick,
    setMessages: view.setMessages,
    showConversation: view.showConversation,
    loadConversations: list.load,
    searchRef: list.queryRef,
    keepUnsent: drafts.keepUnsent,
    onAnsweringElsewhere: setAnsweringElsewhere,
  });
  const { answerAgain, requestEdit, pendingEdit, decideEdit } = useMessageActions({ regenerate, edit, messagesRef: view.messagesRef, composer });

  useRouteConversation({
    routeId,
    newApp,
    routeDraft: drafts.routeDraft,
    composer,
    view,
    conversationsRef: list.conversationsRef,
    models,
    stop,
    pickModel,
    onNewAddress: () => {
      setDrawer(false);
      setAnsweringElsewhere(false);
    },
  });
  const { scroller, onScroll } = useStickToBottom(stick, messages);
  useFirstFocus(composer, (appSlug !== null || !!model) && models !== undefined && models.length > 0, touch);

  const removal = useConversationRemoval({ view, list, stop, forgetDraft: drafts.forget, onError: setNotice });

  const newChat = () => {
    setDrawer(false);
    if (routeId === null && newApp === null) {
      stop();
      view.close();
      composer.current?.open(drafts.routeDraft); // the same chat's draft stays; its images go
      composer.current?.focus();
    } else navigate('/chat');
  };

  const headerApp = appChat.shown;
  const title = chatTitle({ currentId, appSlug, appTitle: app?.title, conversationTitle: current?.title, loading }, t);
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
  const noImagesModel = imagelessModelName(models, appSlug ? appChat.model : model);
  // A conversation's model the operator has since hidden: the picker shows another, which is said.
  const modelGone = currentId !== null && !appSlug && !loading ? replacedModel(current?.model ?? '', models, model) : null;
  // The opening message heads a conversation with the app, unless the server saved it as the first answer.
  const showOpening = app !== null && currentId !== null && messages.length > 0 && messages[0].content !== app.opening_message;
  // A new chat with nothing in it yet: its app's intro, or the chosen model's, welcomes the reader.
  const newChatShown = !noModels && currentId === null && messages.length === 0 && !notFound;

  return (
    <div className={`chat${drawer ? ' drawer-open' : ''}`} data-testid="chat-page">
      <aside className="chat-sidebar" id="chat-sidebar" data-testid="chat-sidebar" aria-label={t('chat.conversations')}>
        <ConversationList
          conversations={list.conversations}
          currentId={currentId}
          loadError={list.loadError}
          onRetry={() => void list.load()}
          hasMore={list.hasMore}
          loadingMore={list.loadingMore}
          onMore={() => void list.loadMore()}
          query={list.query}
          onQuery={list.setQuery}
          onNew={newChat}
          onRename={list.rename}
          onDelete={removal.askDelete}
          onClearAll={removal.askClear}
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
        <ChatHeader
          drawer={drawer}
          onToggleDrawer={() => setDrawer((d) => !d)}
          app={appSlug ? headerApp : null}
          appNamed={currentId !== null}
          title={title}
        >
          {appSlug
            ? pickerModels.length > 0 && <ModelPicker models={pickerModels} model={appChat.model} onChange={appChat.setModel} remember={false} />
            : models && models.length > 0 && <ModelPicker models={models} model={model} onChange={setModel} />}
        </ChatHeader>

        <ChatNotices
          answeringElsewhere={answeringElsewhere}
          onDismissAnsweringElsewhere={() => setAnsweringElsewhere(false)}
          modelGone={modelGone}
          notice={notice}
          onDismissNotice={() => setNotice(null)}
        />

        <div className="chat-scroll" ref={scroller} onScroll={onScroll} data-testid="chat-messages">
          <div className="chat-column">
            {modelsError && <RetryAlert message={modelsError} testId="models-error" onRetry={() => void loadModels()} />}
            {appSlug && appChat.error != null && !notFound && (
              <Alert kind="error" testId="chat-app-error">
                {describeError(appChat.error, t).message}
              </Alert>
            )}
            {notFound && <ConversationNotFound onNewChat={newChat} />}
            {view.error && (
              <RetryAlert message={view.error} testId="conversation-error" onRetry={() => currentId !== null && void view.load(currentId)} />
            )}
            {loading && messages.length === 0 && <ConversationLoading />}
            {noModels && messages.length === 0 && !loading && <NoModels admin={user?.role === 'admin'} />}
            {newChatShown && app && (
              <>
                {appLocked && <LockedNotice app={app} />}
                <AppIntro app={app} canAsk={canAsk && !streaming} onAsk={send} />
              </>
            )}
            {newChatShown && !appSlug && <ModelIntro model={selected} />}
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

      <ChatConfirmDialog
        editDeletes={pendingEdit ? laterMessages(messages, pendingEdit.m.key) : null}
        onEdit={decideEdit}
        removal={removal}
      />
    </div>
  );
}
