"""Word lists naming kinds of work, in the languages the training data has.

Owns: the intent lexicon ``features.intent_features`` looks up, so a request in
one language borrows what the model learnt from requests in others, and a rare
word ("Hadwiger") borrows from its kind ("open problem").

Must not: hold anything but data. Keys are tokens as ``features.tokenize`` makes
them: lower case; scripts without spaces (CJK) as character bigrams.
"""

from __future__ import annotations

# Words that introduce a requirement or limit; counted as a shape feature.
_CONSTRAINTS = (
    "must should without ensure require requires required least most within constraint "
    "constraints guarantee guarantees handle support while each every budget deadline "
    "latency throughput compliance tradeoff tradeoffs trade offs only exactly never "
    "müssen muss sollte ohne doit sans debe sin deve senza musi bez должен без 必须 "
    "不能 要求 必要 필수 चाहिए بدون يجب"
)
CONSTRAINT_WORDS: frozenset[str] = frozenset(_CONSTRAINTS.split())

INTENT_WORDS: dict[str, str] = {
    "social": "hi hello hey hiya thanks thank thx ty bye goodbye cheers lol lmao ok okay "
    "cool nice great awesome perfect wow haha morning evening night welcome sorry np "
    "danke hallo tschüss merci bonjour salut gracias hola obrigado obrigada olá ciao "
    "grazie bedankt dzięki cześć спасибо привет пока がと んに はよ 谢谢 你好 多谢 감사 "
    "고마 안녕 धन्यवाद नमस्ते शुक्रिया شكرا مرحبا teşekkürler teşekkür merhaba sağol "
    "cảm ơn chào tack hej terima kasih halo yay hehe rofl brb ttyl gn yo sup kk "
    "grazie mille gracias danke schön bedankt dziękuję спасибо ठीक",
    "compose": "write draft compose create generate build implement script essay story "
    "poem email letter blog article schreibe schreib verfasse écris écrire rédige "
    "escribe redacta scrivi escreva escrever schrijf napisz напиши написать 書い 作成 "
    "写一 帮我 编写 撰写 작성 써줘 लिखो लिखिए लिखें اكتب yaz yazar viết skriv tulis buat",
    "explain": "explain describe compare difference summarize summarise overview "
    "erkläre erklären explique expliquer explica explicar spiega spiegare leg uitleg "
    "wyjaśnij objaśnij объясни объяснить 説明 解释 解釋 区别 설명 समझाओ समझाइए اشرح "
    "açıkla giải thích förklara jelaskan",
    "diagnose": "debug debugging bug bugs fix error crash crashes failing fails race "
    "deadlock deadlocks leak leaks segfault panic exception traceback intermittent flaky "
    "goroutine goroutines stuck reprocessing duplicate duplicates spike spikes outage "
    "incident postmortem nondeterministic heisenbug stale inconsistent mismatch drops "
    "cause causes root slow slower slowdown stuck blocked blocks freezes hot ripple "
    "audit takeover vulnerability vulnerabilities exploit injection oom killed "
    "原因 卡住 变慢 排查 调查 調べ 特定 遅く 止ま 원인 느려 fuite bloque raison ursache "
    "hängt langsam causa lento perché почему причина тормозит zawiesza neden yavaş "
    "nguyên chậm "
    "bottleneck regression hangs timeout corrupted corruption oom fehler absturz erreur "
    "plantage errore błąd ошибка падает утечка エラ ラー 落ち 错误 死锁 报错 崩溃 泄漏 "
    "오류 에러 त्रुटि خطأ hata lỗi fel galat",
    "prove": "prove proof proofs rigorous rigorously theorem lemma beweise beweis "
    "beweisen démontrer démontrez démontre démonstration prouver demuestra demostrar "
    "demostración dimostra dimostrare dimostrazione prove prova provar udowodnij dowód "
    "докажи доказать доказательство 証明 证明 證明 증명 सिद्ध प्रमाण أثبت برهن برهان "
    "kanıtla ispatla ispat chứng bewijs bewijzen bevisa buktikan derive derivation "
    "justify justification herleiten begründe justifie démontre demuéstralo "
    "докажите gerekçelendir uzasadnij prouve prouvez justifícalo justifica justificar "
    "giustifica dimostralo beweisen bewijs wykaż покажите 示せ 理由 bound bounds "
    "tightest 근거 证明 論証",
    "design": "design architecture architect distributed scalable scaling multi tenant "
    "tenancy microservices migration migrate downtime consistency replication sharding "
    "failover availability throughput compliance gdpr hipaa pci platform "
    "infrastructure entwerfe architektur conception concevoir concevez diseña diseñar "
    "arquitectura progetta architettura projete projetar arquitetura zaprojektuj "
    "architekturę архитектуру архитектура спроектируй 設計 设计 架构 アー 設計 설계 "
    "아키 डिज़ाइन تصميم صمم tasarla mimari thiết kiến",
    "research": "conjecture unsolved riemann collatz goldbach millennium frontier np settle "
    "inapproximability undecidable independent zfc breakthrough "
    "research hypothesis vermutung navier hodge swinnerton cuboid hadwiger erdős "
    "erdos 리만 黎曼 коллатца римана "
    "congettura conjetura hipótese hipoteza гипотеза 猜想 予想 추측 अनुमान حدسية "
    "sanı giả thuyết",
    "translate": "translate translation übersetze übersetzen traduire traduis traduce "
    "traducir traduci tradurre traduza vertaal przetłumacz переведи перевести 翻訳 "
    "翻译 번역 अनुवाद ترجم çevir dịch översätt terjemahkan",
    "summarise": "summarize summarise summary tldr zusammenfassung zusammenfassen "
    "résume résumer resumen resume riassunto riassumi samenvatting streszczenie "
    "кратко 要約 总结 概括 요약 सारांश لخص özetle tóm tắt sammanfatta ringkas",
    "fact": "who when where capital define definition meaning synonym spell convert "
    "wer wann wo hauptstadt qui quand où capitale quién cuándo dónde capital chi quando "
    "dove kto kiedy gdzie кто когда где столица 誰 いつ どこ 首都 谁 哪里 首都 什么 "
    "누구 언제 어디 कौन कब कहाँ من متى أين kim nerede ai đâu",
    "algo": "algorithm algorithms complexity optimal lock lockfree mpmc spsc aba "
    "concurrent concurrency thread threads atomic atomics linearizable amortized "
    "asymptotic approximation dynamic programming suffix segment dijkstra bellman "
    "parser compiler scheduler invariant invariants correctness 算法 ルゴ 알고 "
    "coroutine coroutines tokio asyncio linearizability mutex mutexes semaphore condvar "
    "notify reentrant ordering 并发 線程 线程 并行 스레 레드 동시 並行 "
    "algorithmus algorithme algoritmo algorytm алгоритм एल्गोरिदम خوارزمية algoritma",
    "quant": "regression confidence interval significance significant bayesian posterior "
    "causal confounding confounder peeking variance cohort churn ltv cac retention "
    "elasticity forecast sensitivity monte carlo unit economics experiment "
    "sample",
    "expert": "tax treaty withholding vat liability contract clause clauses indemnity "
    "jurisdiction lawsuit dosage interaction interactions contraindication diagnosis "
    "prognosis labs creatinine steuer impôt impuesto imposta podatek налог 税 세금 "
    "patient patients paciente dose doses symptoms medication medications drug drugs "
    "lithium warfarin pregnancy pregnant 患者 薬 药 환자 약물 मरीज़ مريض hasta "
    "कर ضريبة vergi thuế",
    "code": "function class script program snippet regex sql query dockerfile component "
    "endpoint api unittest pytest bash shell cli python javascript typescript rust golang "
    "java kotlin swift react django flask express funktion fonction función funzione "
    "funkcja функцию 関数 函数 함수 फ़ंक्शन دالة fonksiyon hàm",
    "plan": "plan itinerary schedule roadmap strategy checklist outline agenda programme "
    "reiseplan itinéraire itinerario plano harmonogram план 計画 计划 行程 계획 योजना "
    "خطة planı kế hoạch",
    "scale": "million millions billion billions global regions region petabyte petabytes "
    "terabytes tps qps rps nines sla slo peak enterprise nationwide 万 億 亿 백만",
    "brief": "briefly quick quickly simple oneliner word sentence short tiny "
    "kurz brièvement brevemente breve krótko кратко 簡単 简单 간단 संक्षेप باختصار "
    "kısaca ngắn",
    "extract": "extract identify classify categorize categorise label tag pick list "
    "count sort alphabetize extrahiere extrahieren identifiziere klassifiziere ordne "
    "extrais extraire identifie classe classez trie extrae extraer identifica clasifica "
    "ordena estrai classifica elenca extraia wyodrębnij wypisz sklasyfikuj извлеки "
    "выпиши определи классифицируй 抽出 分類 提取 分类 列出 추출 분류 निकालो "
    "वर्गीकृत استخرج صنف çıkar sınıflandır trích phân loại",
    "calc": "calculate compute solve integral derivative equation probability expected "
    "matrix eigenvalues percent berechne calcule calcula calcola oblicz вычисли "
    "計算 计算 계산 गणना احسب hesapla tính",
}


def _index(groups: dict[str, str]) -> dict[str, str]:
    """word -> "k:<kind>"; a word listed under two kinds keeps the first."""
    out: dict[str, str] = {}
    for kind, words in groups.items():
        for word in words.split():
            out.setdefault(word, "k:" + kind)
    return out


INTENTS: dict[str, str] = _index(INTENT_WORDS)
