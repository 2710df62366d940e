// v4, the app square: apps and their versions (the live one and the one being edited or reviewed),
// favorites, ratings, the moderation word list, and the search index.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kApps = R"SQL(
CREATE TABLE apps (
  id @ID@,
  slug TEXT NOT NULL UNIQUE,
  owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'system')),
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'unpublished', 'taken_down')),
  takedown_reason TEXT NOT NULL DEFAULT '',
  live_version_id BIGINT,
  draft_version_id BIGINT,
  uses BIGINT NOT NULL DEFAULT 0,
  favorites BIGINT NOT NULL DEFAULT 0,
  rating_sum BIGINT NOT NULL DEFAULT 0,
  rating_count BIGINT NOT NULL DEFAULT 0,
  rating_score BIGINT NOT NULL DEFAULT 0,  -- Bayesian average x 1,000,000 (store/apps_repo.cpp)
  trending BIGINT NOT NULL DEFAULT 0,
  -- What search and the square show, copied from the live version when it is published.
  listed INTEGER NOT NULL DEFAULT 0,
  search_text TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  published_at BIGINT
);
CREATE INDEX apps_owner ON apps (owner_id);
-- One index per sort order of the square, so a page is read in order instead of sorted.
CREATE INDEX apps_listed ON apps (listed, published_at, id);
CREATE INDEX apps_trending ON apps (listed, trending, id);
CREATE INDEX apps_most_used ON apps (listed, uses, id);
CREATE INDEX apps_top_rated ON apps (listed, rating_score, id);
CREATE INDEX apps_category ON apps (category, trending, id);

CREATE TABLE app_versions (
  id @ID@,
  app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  content TEXT NOT NULL,
  review_status TEXT NOT NULL DEFAULT 'draft' CHECK (review_status IN ('draft', 'pending', 'approved', 'rejected')),
  review_reason TEXT NOT NULL DEFAULT '',
  moderation_flags TEXT NOT NULL DEFAULT '[]',
  submitted_at BIGINT,
  reviewed_at BIGINT,
  reviewed_by BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (app_id, number)
);
CREATE INDEX app_versions_review ON app_versions (review_status, submitted_at);

CREATE TABLE app_tags (
  app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (app_id, tag)
);
CREATE INDEX app_tags_tag ON app_tags (tag);

CREATE TABLE app_favorites (
  app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, user_id)
);
CREATE INDEX app_favorites_user ON app_favorites (user_id);

CREATE TABLE app_ratings (
  app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, user_id)
);

-- Leaderboards, recomputed by the stats job (reading every usage event of a month per request
-- would not do).
CREATE TABLE app_leaderboards (
  period TEXT NOT NULL,
  rank INTEGER NOT NULL,
  app_id BIGINT NOT NULL,
  users BIGINT NOT NULL,
  uses BIGINT NOT NULL,
  PRIMARY KEY (period, rank)
);

CREATE TABLE moderation_words (
  word TEXT PRIMARY KEY
);

ALTER TABLE conversations ADD COLUMN app_id BIGINT;
CREATE INDEX usage_events_app_day ON usage_events (app_id, day);
--sqlite: CREATE VIRTUAL TABLE apps_search USING fts5 (search_text, tokenize = 'trigram');
--pg: CREATE EXTENSION IF NOT EXISTS pg_trgm;
--pg: CREATE INDEX apps_search_trgm ON apps USING gin (search_text gin_trgm_ops);
)SQL";

}  // namespace plaza::store::schema
