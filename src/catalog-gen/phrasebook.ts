/**
 * Localized titles and descriptions for generated updates. Eight languages have their own
 * wording; the other languages of the real catalog carry the English text, as many real documents
 * do for languages a text was never translated into. Wording is ours, modelled on the kind of text
 * Microsoft Update shows, not copied from it.
 */

/** The 24 languages the captured category documents carry, in their order. */
export const CATALOG_LANGUAGES: readonly string[] = [
  'ar',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'fi',
  'fr',
  'he',
  'hu',
  'it',
  'ja',
  'ko',
  'nl',
  'no',
  'pl',
  'pt',
  'pt-br',
  'ru',
  'sv',
  'tr',
  'zh-cn',
  'zh-tw',
];

/** Order in which multilingual update documents gain languages: translated ones first. */
export const UPDATE_LANGUAGES: readonly string[] = [
  'en',
  'de',
  'fr',
  'es',
  'it',
  'ja',
  'pt-br',
  'zh-cn',
  'ko',
  'nl',
  'sv',
  'pl',
  'ru',
  'tr',
  'cs',
  'da',
  'fi',
  'el',
  'hu',
  'no',
  'pt',
  'zh-tw',
  'ar',
  'he',
];

/** Kinds of text. Placeholders: {ym} {product} {arch} {kb} {version}. */
export type Phrase =
  | 'cu'
  | 'dotnet'
  | 'security'
  | 'update'
  | 'feature'
  | 'msrt'
  | 'definitions'
  | 'preview'
  | 'dynamic'
  | 'ssu'
  | 'engine'
  | 'driver';
export type Blurb = 'security' | 'update' | 'definitions' | 'feature';

interface Language {
  /** Phrases without a translation (engine builds, driver names) fall back to English. */
  readonly phrases: Readonly<Partial<Record<Phrase, string>>>;
  readonly blurbs: Readonly<Record<Blurb, string>>;
}

const EN = {
  phrases: {
    cu: '{ym} Cumulative Update for {product} for {arch}-based Systems (KB{kb})',
    dotnet: '{ym} Cumulative Update for .NET Framework 3.5 and 4.8.1 for {product} for {arch} (KB{kb})',
    security: 'Security Update for {product} (KB{kb})',
    update: 'Update for {product} (KB{kb})',
    feature: 'Feature update to {product}, version {version} {arch} {ym}',
    msrt: 'Windows Malicious Software Removal Tool {arch} - v5.{version} (KB{kb})',
    definitions:
      'Security Intelligence Update for Microsoft Defender Antivirus - KB{kb} (Version {version}) - Current Channel (Broad)',
    preview: '{ym} Cumulative Update Preview for {product} for {arch}-based Systems (KB{kb})',
    dynamic: '{ym} Dynamic Update for {product} for {arch}-based Systems (KB{kb})',
    ssu: '{ym} Servicing Stack Update for {product} for {arch}-based Systems (KB{kb})',
    engine: 'Defender Engine {version} for EngineBroad (Installer 1.1.24010.2001-Q)',
    driver: '{product} - {version}',
  },
  blurbs: {
    security:
      'A security issue has been identified in a Microsoft software product that could affect your system. You can help protect your system by installing this update from Microsoft. For a complete listing of the issues that are included in this update, see the associated Microsoft Knowledge Base article. After you install this update, you may have to restart your system.',
    update:
      'Install this update to resolve issues in a Microsoft software product. For a complete listing of the issues that are included in this update, see the associated Microsoft Knowledge Base article for more information. After you install this item, you may have to restart your computer.',
    definitions:
      'Install this update to revise the files that are used to detect viruses, spyware, and other potentially unwanted software. Once you have installed this item, it cannot be removed.',
    feature:
      'Install the latest version of Windows: this feature update brings new features, improvements to existing ones and the security fixes of the quality updates released so far. After the installation completes, your device restarts to finish the upgrade.',
  },
} as const satisfies Language;

const DE: Language = {
  phrases: {
    cu: '{ym} Kumulatives Update für {product} für {arch}-basierte Systeme (KB{kb})',
    dotnet: '{ym} Kumulatives Update für .NET Framework 3.5 und 4.8.1 für {product} für {arch} (KB{kb})',
    security: 'Sicherheitsupdate für {product} (KB{kb})',
    update: 'Update für {product} (KB{kb})',
    feature: 'Funktionsupdate auf {product}, Version {version} {arch} {ym}',
    msrt: 'Windows-Tool zum Entfernen bösartiger Software {arch} - v5.{version} (KB{kb})',
    definitions:
      'Security Intelligence-Update für Microsoft Defender Antivirus – KB{kb} (Version {version}) – Aktueller Kanal (Allgemein)',
    preview: '{ym} Kumulatives Vorschauupdate für {product} für {arch}-basierte Systeme (KB{kb})',
    dynamic: '{ym} Dynamisches Update für {product} für {arch}-basierte Systeme (KB{kb})',
    ssu: '{ym} Wartungsstapelupdate für {product} für {arch}-basierte Systeme (KB{kb})',
  },
  blurbs: {
    security:
      'In einem Microsoft-Softwareprodukt wurde ein Sicherheitsproblem festgestellt, das Ihr System beeinträchtigen könnte. Durch die Installation dieses Updates von Microsoft können Sie zum Schutz Ihres Systems beitragen. Eine vollständige Liste der behobenen Probleme finden Sie im zugehörigen Knowledge Base-Artikel. Nach der Installation müssen Sie das System möglicherweise neu starten.',
    update:
      'Installieren Sie dieses Update, um Probleme in einem Microsoft-Softwareprodukt zu beheben. Eine vollständige Liste der behobenen Probleme finden Sie im zugehörigen Knowledge Base-Artikel. Nach der Installation müssen Sie den Computer möglicherweise neu starten.',
    definitions:
      'Installieren Sie dieses Update, um die Dateien zu aktualisieren, mit denen Viren, Spyware und andere potenziell unerwünschte Software erkannt werden. Nach der Installation kann dieses Element nicht mehr entfernt werden.',
    feature:
      'Installieren Sie die neueste Windows-Version: Dieses Funktionsupdate bringt neue Funktionen, Verbesserungen und die Sicherheitskorrekturen der bisherigen Qualitätsupdates. Nach Abschluss der Installation wird das Gerät neu gestartet.',
  },
};

const FR: Language = {
  phrases: {
    cu: '{ym} Mise à jour cumulative pour {product} pour les systèmes {arch} (KB{kb})',
    dotnet: '{ym} Mise à jour cumulative pour .NET Framework 3.5 et 4.8.1 pour {product} pour {arch} (KB{kb})',
    security: 'Mise à jour de sécurité pour {product} (KB{kb})',
    update: 'Mise à jour pour {product} (KB{kb})',
    feature: 'Mise à jour de fonctionnalités vers {product}, version {version} {arch} {ym}',
    msrt: 'Outil de suppression de logiciels malveillants Windows {arch} - v5.{version} (KB{kb})',
    definitions:
      'Mise à jour de la veille de sécurité pour Microsoft Defender Antivirus - KB{kb} (version {version}) - Canal actuel (large diffusion)',
    preview: '{ym} Préversion de la mise à jour cumulative pour {product} pour les systèmes {arch} (KB{kb})',
    dynamic: '{ym} Mise à jour dynamique pour {product} pour les systèmes {arch} (KB{kb})',
    ssu: '{ym} Mise à jour de la pile de maintenance pour {product} pour les systèmes {arch} (KB{kb})',
  },
  blurbs: {
    security:
      'Un problème de sécurité a été identifié dans un produit logiciel Microsoft et pourrait affecter votre système. Vous pouvez protéger votre système en installant cette mise à jour de Microsoft. Pour la liste complète des problèmes résolus, consultez l’article de la Base de connaissances associé. Après l’installation, un redémarrage peut être nécessaire.',
    update:
      'Installez cette mise à jour pour résoudre des problèmes dans un produit logiciel Microsoft. Pour la liste complète des problèmes résolus, consultez l’article de la Base de connaissances associé. Après l’installation, un redémarrage de l’ordinateur peut être nécessaire.',
    definitions:
      'Installez cette mise à jour pour réviser les fichiers utilisés pour détecter les virus, les logiciels espions et d’autres logiciels potentiellement indésirables. Une fois installé, cet élément ne peut pas être supprimé.',
    feature:
      'Installez la dernière version de Windows : cette mise à jour de fonctionnalités apporte de nouvelles fonctionnalités, des améliorations et les correctifs de sécurité des mises à jour de qualité publiées jusqu’ici. L’appareil redémarre à la fin de l’installation.',
  },
};

const ES: Language = {
  phrases: {
    cu: '{ym} Actualización acumulativa para {product} para sistemas basados en {arch} (KB{kb})',
    dotnet: '{ym} Actualización acumulativa para .NET Framework 3.5 y 4.8.1 para {product} para {arch} (KB{kb})',
    security: 'Actualización de seguridad para {product} (KB{kb})',
    update: 'Actualización para {product} (KB{kb})',
    feature: 'Actualización de características a {product}, versión {version} {arch} {ym}',
    msrt: 'Herramienta de eliminación de software malintencionado de Windows {arch} - v5.{version} (KB{kb})',
    definitions:
      'Actualización de inteligencia de seguridad para Antivirus de Microsoft Defender - KB{kb} (versión {version}) - Canal actual (amplio)',
    preview:
      '{ym} Versión preliminar de la actualización acumulativa para {product} para sistemas basados en {arch} (KB{kb})',
    dynamic: '{ym} Actualización dinámica para {product} para sistemas basados en {arch} (KB{kb})',
    ssu: '{ym} Actualización de la pila de servicio para {product} para sistemas basados en {arch} (KB{kb})',
  },
  blurbs: {
    security:
      'Se ha detectado un problema de seguridad en un producto de software de Microsoft que podría afectar a su sistema. Puede ayudar a proteger su sistema instalando esta actualización de Microsoft. Para obtener una lista completa de los problemas incluidos, consulte el artículo de Knowledge Base asociado. Es posible que deba reiniciar el sistema después de instalarla.',
    update:
      'Instale esta actualización para resolver problemas en un producto de software de Microsoft. Para obtener una lista completa de los problemas incluidos, consulte el artículo de Knowledge Base asociado. Es posible que deba reiniciar el equipo después de instalarla.',
    definitions:
      'Instale esta actualización para revisar los archivos que se usan para detectar virus, spyware y otro software potencialmente no deseado. Una vez instalado, este elemento no se puede quitar.',
    feature:
      'Instale la versión más reciente de Windows: esta actualización de características incluye funciones nuevas, mejoras y las correcciones de seguridad de las actualizaciones de calidad publicadas hasta ahora. El dispositivo se reinicia al terminar.',
  },
};

const IT: Language = {
  phrases: {
    cu: '{ym} Aggiornamento cumulativo per {product} per sistemi basati su {arch} (KB{kb})',
    dotnet: '{ym} Aggiornamento cumulativo per .NET Framework 3.5 e 4.8.1 per {product} per {arch} (KB{kb})',
    security: 'Aggiornamento della sicurezza per {product} (KB{kb})',
    update: 'Aggiornamento per {product} (KB{kb})',
    feature: 'Aggiornamento delle funzionalità a {product}, versione {version} {arch} {ym}',
    msrt: 'Strumento di rimozione malware di Windows {arch} - v5.{version} (KB{kb})',
    definitions:
      'Aggiornamento di Security Intelligence per Microsoft Defender Antivirus - KB{kb} (versione {version}) - Canale corrente (esteso)',
    preview: '{ym} Anteprima dell’aggiornamento cumulativo per {product} per sistemi basati su {arch} (KB{kb})',
    dynamic: '{ym} Aggiornamento dinamico per {product} per sistemi basati su {arch} (KB{kb})',
    ssu: '{ym} Aggiornamento dello stack di manutenzione per {product} per sistemi basati su {arch} (KB{kb})',
  },
  blurbs: {
    security:
      'È stato identificato un problema di sicurezza in un prodotto software Microsoft che potrebbe interessare il sistema. Per proteggere il sistema, installare questo aggiornamento Microsoft. Per un elenco completo dei problemi risolti, vedere l’articolo della Knowledge Base associato. Dopo l’installazione potrebbe essere necessario riavviare il sistema.',
    update:
      'Installare questo aggiornamento per risolvere problemi in un prodotto software Microsoft. Per un elenco completo dei problemi risolti, vedere l’articolo della Knowledge Base associato. Dopo l’installazione potrebbe essere necessario riavviare il computer.',
    definitions:
      'Installare questo aggiornamento per rivedere i file usati per rilevare virus, spyware e altro software potenzialmente indesiderato. Una volta installato, questo elemento non può essere rimosso.',
    feature:
      'Installare la versione più recente di Windows: questo aggiornamento delle funzionalità introduce nuove funzionalità, miglioramenti e le correzioni di sicurezza degli aggiornamenti qualitativi pubblicati finora. Al termine il dispositivo viene riavviato.',
  },
};

const JA: Language = {
  phrases: {
    cu: '{ym} {arch} ベース システム用 {product} の累積更新プログラム (KB{kb})',
    dotnet: '{ym} {product} {arch} 用 .NET Framework 3.5 および 4.8.1 の累積更新プログラム (KB{kb})',
    security: '{product} のセキュリティ更新プログラム (KB{kb})',
    update: '{product} 用更新プログラム (KB{kb})',
    feature: '{product} バージョン {version} への機能更新プログラム {arch} {ym}',
    msrt: '悪意のあるソフトウェアの削除ツール {arch} - v5.{version} (KB{kb})',
    definitions:
      'Microsoft Defender ウイルス対策のセキュリティ インテリジェンス更新プログラム - KB{kb} (バージョン {version}) - 現在のチャネル (ブロード)',
    preview: '{ym} {arch} ベース システム用 {product} の累積更新プログラムのプレビュー (KB{kb})',
    dynamic: '{ym} {arch} ベース システム用 {product} の動的更新プログラム (KB{kb})',
    ssu: '{ym} {arch} ベース システム用 {product} のサービス スタック更新プログラム (KB{kb})',
  },
  blurbs: {
    security:
      'お使いのシステムに影響する可能性のあるセキュリティ上の問題が Microsoft ソフトウェア製品で確認されました。この更新プログラムをインストールすると、システムの保護に役立ちます。含まれる問題の一覧については、関連するサポート技術情報の記事を参照してください。インストール後にシステムの再起動が必要になる場合があります。',
    update:
      'この更新プログラムをインストールすると、Microsoft ソフトウェア製品の問題が解決されます。含まれる問題の一覧については、関連するサポート技術情報の記事を参照してください。インストール後にコンピューターの再起動が必要になる場合があります。',
    definitions:
      'この更新プログラムをインストールすると、ウイルス、スパイウェア、その他の望ましくない可能性のあるソフトウェアの検出に使用されるファイルが更新されます。インストール後、この項目は削除できません。',
    feature:
      '最新バージョンの Windows をインストールします。この機能更新プログラムには、新機能、既存機能の改善、これまでの品質更新プログラムのセキュリティ修正が含まれます。インストールの完了後、デバイスが再起動されます。',
  },
};

const PT_BR: Language = {
  phrases: {
    cu: '{ym} Atualização Cumulativa para {product} para sistemas baseados em {arch} (KB{kb})',
    dotnet: '{ym} Atualização Cumulativa para .NET Framework 3.5 e 4.8.1 para {product} para {arch} (KB{kb})',
    security: 'Atualização de Segurança para {product} (KB{kb})',
    update: 'Atualização para {product} (KB{kb})',
    feature: 'Atualização de recursos para {product}, versão {version} {arch} {ym}',
    msrt: 'Ferramenta de Remoção de Software Mal-Intencionado do Windows {arch} - v5.{version} (KB{kb})',
    definitions:
      'Atualização de Inteligência de Segurança para Microsoft Defender Antivírus - KB{kb} (Versão {version}) - Canal Atual (Amplo)',
    preview: '{ym} Versão Prévia da Atualização Cumulativa para {product} para sistemas baseados em {arch} (KB{kb})',
    dynamic: '{ym} Atualização Dinâmica para {product} para sistemas baseados em {arch} (KB{kb})',
    ssu: '{ym} Atualização da Pilha de Manutenção para {product} para sistemas baseados em {arch} (KB{kb})',
  },
  blurbs: {
    security:
      'Foi identificado um problema de segurança em um produto de software da Microsoft que pode afetar o seu sistema. Você pode ajudar a proteger o sistema instalando esta atualização da Microsoft. Para obter a lista completa dos problemas incluídos, consulte o artigo da Base de Conhecimento associado. Após a instalação, talvez seja necessário reiniciar o sistema.',
    update:
      'Instale esta atualização para resolver problemas em um produto de software da Microsoft. Para obter a lista completa dos problemas incluídos, consulte o artigo da Base de Conhecimento associado. Após a instalação, talvez seja necessário reiniciar o computador.',
    definitions:
      'Instale esta atualização para revisar os arquivos usados para detectar vírus, spyware e outros softwares potencialmente indesejados. Depois de instalado, este item não pode ser removido.',
    feature:
      'Instale a versão mais recente do Windows: esta atualização de recursos traz novos recursos, melhorias e as correções de segurança das atualizações de qualidade lançadas até agora. O dispositivo é reiniciado ao final da instalação.',
  },
};

const ZH_CN: Language = {
  phrases: {
    cu: '{ym} 适用于基于 {arch} 的系统的 {product} 累积更新 (KB{kb})',
    dotnet: '{ym} 适用于 {product} {arch} 的 .NET Framework 3.5 和 4.8.1 累积更新 (KB{kb})',
    security: '{product} 安全更新 (KB{kb})',
    update: '{product} 更新 (KB{kb})',
    feature: '{product} 版本 {version} 的功能更新 {arch} {ym}',
    msrt: 'Windows 恶意软件删除工具 {arch} - v5.{version} (KB{kb})',
    definitions: 'Microsoft Defender 防病毒安全智能更新 - KB{kb} (版本 {version}) - 当前频道(广泛)',
    preview: '{ym} 适用于基于 {arch} 的系统的 {product} 累积更新预览 (KB{kb})',
    dynamic: '{ym} 适用于基于 {arch} 的系统的 {product} 动态更新 (KB{kb})',
    ssu: '{ym} 适用于基于 {arch} 的系统的 {product} 服务堆栈更新 (KB{kb})',
  },
  blurbs: {
    security:
      '在 Microsoft 软件产品中发现了一个可能影响您的系统的安全问题。安装此 Microsoft 更新有助于保护您的系统。有关此更新所含问题的完整列表，请参阅相关的 Microsoft 知识库文章。安装此更新后，可能需要重新启动系统。',
    update:
      '安装此更新可解决 Microsoft 软件产品中的问题。有关此更新所含问题的完整列表，请参阅相关的 Microsoft 知识库文章。安装此项后，可能需要重新启动计算机。',
    definitions: '安装此更新可修订用于检测病毒、间谍软件和其他可能不需要的软件的文件。安装此项后无法将其删除。',
    feature:
      '安装最新版本的 Windows：此功能更新带来新功能、现有功能的改进以及迄今为止发布的质量更新中的安全修复。安装完成后设备将重新启动。',
  },
};

const LANGUAGES: Readonly<Record<string, Language>> = {
  en: EN,
  de: DE,
  fr: FR,
  es: ES,
  it: IT,
  ja: JA,
  'pt-br': PT_BR,
  'zh-cn': ZH_CN,
};

/** Values for the placeholders of a phrase. */
export type PhraseValues = Readonly<Partial<Record<'ym' | 'product' | 'arch' | 'kb' | 'version', string>>>;

/** The phrase in `language` (English where there is no translation) with its placeholders filled. */
export function phrase(language: string, kind: Phrase, values: PhraseValues): string {
  const template = LANGUAGES[language]?.phrases[kind] ?? EN.phrases[kind];
  return template.replace(/\{(ym|product|arch|kb|version)\}/g, (_, k: keyof PhraseValues) => values[k] ?? '');
}

/** The description text of a kind in `language` (English where there is no translation). */
export function blurb(language: string, kind: Blurb): string {
  return (LANGUAGES[language] ?? EN).blurbs[kind];
}
