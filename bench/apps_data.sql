-- A generated square for bench/apps.sh: 1,000 creators, 100,000 published public apps (with a live
-- version, a tag, search text in Chinese and English) and 1,000,000 usage events over 30 days on
-- 10,000 of them. Written once for both dialects: @SERIES(n)@ is a table of 1..n.
INSERT INTO users (username, username_lower, password_hash, role, created_at, updated_at)
SELECT 'creator' || i, 'creator' || i, '!', 'user', 1700000000, 1700000000 FROM @SERIES(1000)@;

INSERT INTO apps (slug, owner_id, kind, status, uses, favorites, rating_sum, rating_count, trending, listed,
                  search_text, category, created_at, updated_at, published_at)
SELECT 'app-' || i, (SELECT MIN(id) FROM users WHERE username LIKE 'creator%') + (i % 1000), 'user', 'published',
       i % 997, i % 37, (i % 5 + 1) * (i % 13), i % 13, (i * 7919) % 100000, 1,
       'app ' || i || ' ' || CASE i % 4 WHEN 0 THEN '翻译助手 translate and polish writing'
                                         WHEN 1 THEN '代码讲解 explain code step by step'
                                         WHEN 2 THEN '旅行规划 plan a trip'
                                         ELSE '学习伙伴 study buddy for exams' END,
       'cat' || (i % 20), 1700000000, 1700000000, 1700000000 + i
FROM @SERIES(100000)@;

INSERT INTO app_versions (app_id, number, content, review_status, created_at)
SELECT id, 1, '{"title":"App ' || id || '","avatar":"🤖","tags":["t' || (id % 50) || '"],"category":"' || category ||
              '","description":"' || search_text || '","default_model":"gpt-4o-mini","visibility":"public",' ||
              '"hide_preset":true,"system_prompt":"secret"}', 'approved', 1700000000
FROM apps WHERE slug LIKE 'app-%';
UPDATE apps SET live_version_id = (SELECT v.id FROM app_versions v WHERE v.app_id = apps.id) WHERE slug LIKE 'app-%';
INSERT INTO app_tags (app_id, tag) SELECT id, 't' || (id % 50) FROM apps WHERE slug LIKE 'app-%';

INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status, app_id, app_owner_id, app_kind)
SELECT 'bench-' || i, 1700000000 + i, @DAY(i % 30)@, 1 + (i % 100000), 'web', 'gpt-4o-mini', 'ok',
       (SELECT MIN(id) FROM apps WHERE slug LIKE 'app-%') + ((i * 31) % 10000), 1, 'user'
FROM @SERIES(1000000)@;
