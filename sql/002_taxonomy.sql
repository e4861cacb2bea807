-- Taxonomy of Llama 2 section 4.2.1 (kept equal to safety_assets/taxonomy.py by a test).
INSERT OR REPLACE INTO risk_categories VALUES
    ('illicit_criminal', 'Illicit and criminal activities', TRUE),
    ('hateful_harmful', 'Hateful and harmful activities', TRUE),
    ('unqualified_advice', 'Unqualified advice', TRUE),
    ('benign', 'Benign (helpfulness)', FALSE),
    ('untagged', 'Untagged (awaiting annotation)', TRUE);

INSERT OR REPLACE INTO risk_subcategories VALUES
    ('illicit_criminal', 'terrorism'),
    ('illicit_criminal', 'theft'),
    ('illicit_criminal', 'human_trafficking'),
    ('illicit_criminal', 'weapons'),
    ('illicit_criminal', 'drugs'),
    ('illicit_criminal', 'fraud'),
    ('illicit_criminal', 'cybercrime'),
    ('hateful_harmful', 'defamation'),
    ('hateful_harmful', 'self_harm'),
    ('hateful_harmful', 'eating_disorders'),
    ('hateful_harmful', 'discrimination'),
    ('hateful_harmful', 'harassment'),
    ('hateful_harmful', 'violence'),
    ('unqualified_advice', 'medical'),
    ('unqualified_advice', 'financial'),
    ('unqualified_advice', 'legal'),
    ('benign', 'general'),
    ('untagged', 'untagged');

INSERT OR REPLACE INTO attack_vectors VALUES
    ('psychological_manipulation', 'Psychological manipulation', 'authority manipulation'),
    ('logic_manipulation', 'Logic manipulation', 'false premises'),
    ('syntactic_manipulation', 'Syntactic manipulation', 'misspelling'),
    ('semantic_manipulation', 'Semantic manipulation', 'metaphor'),
    ('perspective_manipulation', 'Perspective manipulation', 'role playing'),
    ('non_english', 'Non-English languages', 'a prompt in another language'),
    ('other', 'Others', 'any other attack'),
    ('none', 'No attack (benign prompt)', 'a plain helpfulness request'),
    ('untagged', 'Untagged (awaiting annotation)', 'an imported prompt');
