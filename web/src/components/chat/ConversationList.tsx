import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../i18n';
import type { Conversation, Id } from '../../lib/api';
import { Link } from '../../lib/router';
import { AppAvatar } from '../apps/AppAvatar';
import { CheckIcon, CloseIcon, EditIcon, PlusIcon, TrashIcon } from '../Icons';

interface Props {
  conversations: Conversation[] | undefined;
  currentId: Id | null;
  loadError: string | null;
  onRetry: () => void;
  onNew: () => void;
  onRename: (c: Conversation, title: string) => Promise<boolean>;
  onDelete: (c: Conversation) => void;
  onClearAll: () => void;
  onPick: () => void;
  /** More conversations are on the server below the last shown. */
  hasMore: boolean;
  loadingMore: boolean;
  onMore: () => void;
  /** The title search the list answers ('' for all). */
  query: string;
  onQuery: (q: string) => void;
}

/** Renames in place; `onDone(byKeyboard)`: whether the reader ended it here (keys, buttons) rather than by going elsewhere. */
function RenameForm({ c, onDone, onSave }: { c: Conversation; onDone: (here: boolean) => void; onSave: (title: string) => Promise<boolean> }) {
  const { t } = useI18n();
  const [value, setValue] = useState(c.title);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const save = async () => {
    const title = value.trim();
    if (!title || title === c.title) return onDone(true);
    setBusy(true);
    const ok = await onSave(title);
    setBusy(false);
    if (ok) onDone(true);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onDone(true);
    }
  };
  return (
    <form
      className="conv-rename"
      // A click or tab elsewhere ends it unsaved, as Escape does (it was left open before).
      onBlur={(e) => {
        if (!busy && !e.currentTarget.contains(e.relatedTarget as Node | null)) onDone(false);
      }}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        ref={ref}
        value={value}
        maxLength={64}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKey}
        aria-label={t('chat.renameLabel')}
        data-testid="conversation-rename-input"
        disabled={busy}
      />
      <button type="submit" className="icon-button tiny" aria-label={t('common.save')} title={t('common.save')} data-testid="conversation-rename-save" disabled={busy}>
        <CheckIcon />
      </button>
      <button type="button" className="icon-button tiny" aria-label={t('common.cancel')} title={t('common.cancel')} onClick={() => onDone(true)}>
        <CloseIcon />
      </button>
    </form>
  );
}

/** Groups conversations by how recently they were used: today, the last 7 days, older. */
function groupOf(updatedAt: number, now: Date): 'today' | 'week' | 'older' {
  const startOfDay = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime() / 1000;
  if (updatedAt >= startOfDay) return 'today';
  if (updatedAt >= startOfDay - 6 * 86400) return 'week';
  return 'older';
}

export function ConversationList(props: Props) {
  const { conversations, currentId, loadError, onRetry, onNew, onRename, onDelete, onClearAll, onPick } = props;
  const { hasMore, loadingMore, onMore, query, onQuery } = props;
  const { t } = useI18n();
  const [renaming, setRenaming] = useState<Id | null>(null);
  // The conversation whose rename ended from the keyboard: its rename button takes the focus back.
  const [refocus, setRefocus] = useState<Id | null>(null);
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (refocus === null) return;
    list.current
      ?.querySelector<HTMLElement>(`[data-testid="conversation-item"][data-id="${CSS.escape(String(refocus))}"] [data-testid="conversation-rename"]`)
      ?.focus();
    setRefocus(null);
  }, [refocus]);
  const now = new Date();
  const order = ['today', 'week', 'older'] as const;
  const groups = order
    .map((key) => ({ key, items: (conversations ?? []).filter((c) => groupOf(c.updated_at, now) === key) }))
    .filter((g) => g.items.length > 0);
  const label = { today: t('chat.groupToday'), week: t('chat.groupWeek'), older: t('chat.groupOlder') };

  return (
    <div className="conv-panel" ref={list}>
      <div className="conv-top">
        <button type="button" className="button primary block-button" onClick={onNew} data-testid="chat-new">
          <PlusIcon />
          {t('chat.newChat')}
        </button>
        <input
          type="search"
          className="conv-search"
          value={query}
          maxLength={200}
          onChange={(e) => onQuery(e.target.value)}
          placeholder={t('chat.searchPlaceholder')}
          aria-label={t('chat.search')}
          data-testid="conversation-search"
        />
      </div>
      <nav className="conv-scroll" aria-label={t('chat.conversations')}>
        {conversations === undefined && !loadError && <p className="conv-note">{t('app.loading')}</p>}
        {loadError && (
          <p className="conv-note error">
            {loadError}{' '}
            <button type="button" className="link-button" onClick={onRetry}>
              {t('common.retry')}
            </button>
          </p>
        )}
        {conversations && conversations.length === 0 && (
          <p className="conv-note" data-testid="conversations-empty">
            {query ? t('chat.noMatches') : t('chat.noConversations')}
          </p>
        )}
        {groups.map((g) => (
          <section key={g.key} className="conv-group">
            <h3 className="conv-group-title">{label[g.key]}</h3>
            <ul className="conv-list" data-testid="conversation-list">
              {g.items.map((c) => {
                const active = currentId !== null && String(c.id) === String(currentId);
                return (
                  <li
                    key={c.id}
                    className={`conv-item${active ? ' active' : ''}`}
                    data-testid="conversation-item"
                    data-id={c.id}
                    data-title={c.title}
                    data-app={c.app?.slug}
                  >
                    {renaming !== null && String(renaming) === String(c.id) ? (
                      <RenameForm
                        c={c}
                        onDone={(here) => {
                          setRenaming(null);
                          if (here) setRefocus(c.id);
                        }}
                        onSave={(title) => onRename(c, title)}
                      />
                    ) : (
                      <>
                        <Link
                          to={`/chat/${c.id}`}
                          className="conv-link"
                          aria-current={active ? 'page' : undefined}
                          title={c.app ? `${c.app.title} · ${c.title}` : c.title}
                          onClick={onPick}
                          data-testid="conversation-link"
                        >
                          {c.app && <AppAvatar avatar={c.app.avatar} title={c.app.title} size="sm" />}
                          <span className="conv-title">{c.title}</span>
                        </Link>
                        <span className="conv-actions">
                          <button
                            type="button"
                            className="icon-button tiny"
                            aria-label={t('chat.renameNamed', { title: c.title })}
                            title={t('chat.rename')}
                            onClick={() => setRenaming(c.id)}
                            data-testid="conversation-rename"
                          >
                            <EditIcon />
                          </button>
                          <button
                            type="button"
                            className="icon-button tiny danger"
                            aria-label={t('chat.deleteNamed', { title: c.title })}
                            title={t('chat.delete')}
                            onClick={() => onDelete(c)}
                            data-testid="conversation-delete"
                          >
                            <TrashIcon />
                          </button>
                        </span>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
        {hasMore && (
          <button type="button" className="button ghost small full" onClick={onMore} disabled={loadingMore} data-testid="conversations-more">
            {loadingMore ? t('app.loading') : t('chat.loadMore')}
          </button>
        )}
      </nav>
      {conversations && conversations.length > 0 && (
        <div className="conv-bottom">
          <button type="button" className="button ghost small full" onClick={onClearAll} data-testid="chat-clear-all">
            <TrashIcon />
            {t('chat.clearAll')}
          </button>
        </div>
      )}
    </div>
  );
}
