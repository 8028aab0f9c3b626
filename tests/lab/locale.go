package main

// The guest's display language (guest.locale): what the emulated commands
// print in that Windows language. Windows localises vssadmin's labels and
// words and sc's FAILED/SUCCESS words and error sentences; sc's field names,
// the numbers ([1], 1060) and GUIDs stay as they are. The text is kept in
// UTF-8 here and written in the locale's OEM code page (codepage.go).

import (
	"fmt"
	"sort"
	"strings"
)

type locale struct {
	name string
	oem  int // OEM code page: what cmd.exe writes redirected output in

	vssBanner, vssWaiting string
	vssLabels             [5]string // writer name, writer id, instance id, state, last error
	vssColon              string    // ": ", or " : " in French
	vssQuote              [2]string // around the writer name
	stable, waiting       string    // state words
	failed                string
	lastErrors            map[string]string // none, retryable, non_retryable, timeout
	errPrefix             string            // "Error: "
	vssUnexpected         string            // the VSS service disabled (two lines)
	vssNoPermission       string            // not elevated (UAC remote restrictions)
	vssInvalid            string

	scFailed   string // "[SC] %s FAILED %d:" with the API name and the code
	scSuccess  string // "[SC] %s SUCCESS"
	sc1060     string
	sc87       string
	sc5        string
	notFound   string // type: the path is not there
	notCommand string // "'%s' is not recognized ..." (two lines)
	activeCP   string // chcp: "Active code page: %d"
	invalidCP  string
}

var locales = map[string]*locale{
	"en-US": {
		name: "en-US", oem: 437,
		vssBanner:  "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool",
		vssWaiting: "Waiting for responses.\r\nThese may be delayed if a shadow copy is being prepared.",
		vssLabels:  [5]string{"Writer name", "Writer Id", "Writer Instance Id", "State", "Last error"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Stable", waiting: "Waiting for completion", failed: "Failed",
		lastErrors: map[string]string{"none": "No error", "retryable": "Retryable error",
			"non_retryable": "Non-retryable error", "timeout": "Timed out"},
		errPrefix: "Error: ",
		vssUnexpected: "A Volume Shadow Copy Service component encountered an unexpected error.\r\n" +
			"Check the Application event log for more information.",
		vssNoPermission: "You don't have the correct permissions to run this command.  Please run this utility from a command\r\n" +
			"window that has elevated administrator privileges.",
		vssInvalid: "Invalid command.",
		scFailed:   "[SC] %s FAILED %d:", scSuccess: "[SC] %s SUCCESS",
		sc1060:     "The specified service does not exist as an installed service.",
		sc87:       "The parameter is incorrect.",
		sc5:        "Access is denied.",
		notFound:   "The system cannot find the path specified.",
		notCommand: "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.",
		activeCP:   "Active code page: %d", invalidCP: "Invalid code page",
	},
	"de-DE": {
		name: "de-DE", oem: 850,
		vssBanner:  "vssadmin 1.1 - Verwaltungsbefehlszeilenprogramm des Volumeschattenkopie-Dienstes",
		vssWaiting: "Warten auf Antworten.\r\nDies kann einen Moment dauern, falls eine Schattenkopie vorbereitet wird.",
		vssLabels:  [5]string{"Verfassername", "Verfasserkennung", "Verfasserinstanzkennung", "Status", "Letzter Fehler"},
		vssColon:   ": ", vssQuote: [2]string{"\"", "\""},
		stable: "Stabil", waiting: "Warten auf Abschluss", failed: "Fehlgeschlagen",
		lastErrors: map[string]string{"none": "Kein Fehler", "retryable": "Wiederholbarer Fehler",
			"non_retryable": "Nicht wiederholbarer Fehler", "timeout": "Zeitüberschreitung"},
		errPrefix: "Fehler: ",
		vssUnexpected: "Unerwarteter Fehler einer Komponente des Volumeschattenkopie-Dienstes.\r\n" +
			"Weitere Informationen finden Sie im Anwendungsereignisprotokoll.",
		vssNoPermission: "Sie verfügen nicht über die erforderlichen Berechtigungen, um diesen Befehl auszuführen. Führen Sie das\r\n" +
			"Hilfsprogramm in einem Befehlsfenster mit erhöhten Administratorrechten aus.",
		vssInvalid: "Ungültiger Befehl.",
		scFailed:   "[SC] %s FEHLER %d:", scSuccess: "[SC] %s ERFOLG",
		sc1060:     "Der angegebene Dienst ist kein installierter Dienst.",
		sc87:       "Falscher Parameter.",
		sc5:        "Zugriff verweigert",
		notFound:   "Das System kann den angegebenen Pfad nicht finden.",
		notCommand: "Der Befehl \"%s\" ist entweder falsch geschrieben oder\r\nkonnte nicht gefunden werden.",
		activeCP:   "Aktive Codepage: %d.", invalidCP: "Ungültige Codepage.",
	},
	"fr-FR": {
		name: "fr-FR", oem: 850,
		vssBanner:  "vssadmin 1.1 - Outil ligne de commande d'administration du service de cliché instantané de volume",
		vssWaiting: "En attente de réponses.\r\nCelles-ci peuvent être retardées si un cliché instantané est en cours de préparation.",
		vssLabels:  [5]string{"Nom du rédacteur", "ID du rédacteur", "ID d'instance du rédacteur", "État", "Dernière erreur"},
		vssColon:   " : ", vssQuote: [2]string{"'", "'"},
		stable: "Stable", waiting: "En attente de la conclusion", failed: "Échec",
		lastErrors: map[string]string{"none": "Aucune erreur", "retryable": "Erreur récupérable",
			"non_retryable": "Erreur non récupérable", "timeout": "Délai dépassé"},
		errPrefix: "Erreur : ",
		vssUnexpected: "Un composant du service de cliché instantané de volume a rencontré une erreur inattendue.\r\n" +
			"Pour plus d'informations, consultez le journal des événements Application.",
		vssNoPermission: "Vous ne disposez pas des autorisations nécessaires pour exécuter cette commande. Exécutez cet utilitaire\r\n" +
			"à partir d'une fenêtre de commande disposant de privilèges d'administrateur élevés.",
		vssInvalid: "Commande non valide.",
		scFailed:   "[SC] %s ÉCHEC %d :", scSuccess: "[SC] %s RÉUSSITE",
		sc1060:     "Le service spécifié n'existe pas en tant que service installé.",
		sc87:       "Paramètre incorrect.",
		sc5:        "Accès refusé.",
		notFound:   "Le chemin d'accès spécifié est introuvable.",
		notCommand: "'%s' n'est pas reconnu en tant que commande interne\r\nou externe, un programme exécutable ou un fichier de commandes.",
		activeCP:   "Page de codes active : %d", invalidCP: "Page de codes non valide",
	},
	"es-ES": {
		name: "es-ES", oem: 850,
		vssBanner:  "vssadmin 1.1 - Herramienta de línea de comandos de administración del Servicio de instantáneas de volumen",
		vssWaiting: "Esperando respuestas.\r\nPueden retrasarse si se está preparando una instantánea.",
		vssLabels:  [5]string{"Nombre de escritor", "Id. de escritor", "Id. de instancia de escritor", "Estado", "Último error"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Estable", waiting: "Esperando a que se complete", failed: "Error",
		lastErrors: map[string]string{"none": "Sin error", "retryable": "Error reintentable",
			"non_retryable": "Error no reintentable", "timeout": "Tiempo de espera agotado"},
		errPrefix: "Error: ",
		vssUnexpected: "Un componente del Servicio de instantáneas de volumen encontró un error inesperado.\r\n" +
			"Compruebe el registro de eventos de aplicación para obtener más información.",
		vssNoPermission: "No tiene los permisos correctos para ejecutar este comando. Ejecute esta utilidad desde una ventana\r\n" +
			"de comandos que tenga privilegios elevados de administrador.",
		vssInvalid: "Comando no válido.",
		scFailed:   "[SC] %s ERROR %d:", scSuccess: "[SC] %s CORRECTO",
		sc1060:     "El servicio especificado no existe como servicio instalado.",
		sc87:       "El parámetro no es correcto.",
		sc5:        "Acceso denegado.",
		notFound:   "El sistema no puede encontrar la ruta especificada.",
		notCommand: "\"%s\" no se reconoce como un comando interno o externo,\r\nprograma o archivo por lotes ejecutable.",
		activeCP:   "Página de códigos activa: %d", invalidCP: "Página de códigos no válida",
	},
	"it-IT": {
		name: "it-IT", oem: 850,
		vssBanner:  "vssadmin 1.1 - Strumento da riga di comando per l'amministrazione del servizio Copia shadow del volume",
		vssWaiting: "In attesa di risposte.\r\nPotrebbero verificarsi ritardi se è in corso la preparazione di una copia shadow.",
		vssLabels:  [5]string{"Nome writer", "ID writer", "ID istanza writer", "Stato", "Ultimo errore"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Stabile", waiting: "In attesa di completamento", failed: "Non riuscito",
		lastErrors: map[string]string{"none": "Nessun errore", "retryable": "Errore ripetibile",
			"non_retryable": "Errore non ripetibile", "timeout": "Timeout"},
		errPrefix: "Errore: ",
		vssUnexpected: "Un componente del servizio Copia shadow del volume ha rilevato un errore imprevisto.\r\n" +
			"Per ulteriori informazioni, controllare il registro eventi dell'applicazione.",
		vssNoPermission: "Non si dispone delle autorizzazioni necessarie per eseguire questo comando. Eseguire l'utilità da una\r\n" +
			"finestra di comando con privilegi di amministratore elevati.",
		vssInvalid: "Comando non valido.",
		scFailed:   "[SC] %s NON RIUSCITO %d:", scSuccess: "[SC] %s OPERAZIONI RIUSCITE",
		sc1060:     "Il servizio specificato non esiste come servizio installato.",
		sc87:       "Parametro non corretto.",
		sc5:        "Accesso negato.",
		notFound:   "Impossibile trovare il percorso specificato.",
		notCommand: "'%s' non è riconosciuto come comando interno o esterno,\r\nun programma eseguibile o un file batch.",
		activeCP:   "Tabella codici attiva: %d", invalidCP: "Tabella codici non valida",
	},
	"pt-BR": {
		name: "pt-BR", oem: 850,
		vssBanner:  "vssadmin 1.1 - Ferramenta de linha de comando administrativa do Serviço de Cópias de Sombra de Volume",
		vssWaiting: "Aguardando respostas.\r\nElas poderão atrasar se uma cópia de sombra estiver sendo preparada.",
		vssLabels:  [5]string{"Nome do gravador", "Identificação do gravador", "Identificação da instância do gravador", "Estado", "Último erro"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Estável", waiting: "Aguardando conclusão", failed: "Falha",
		lastErrors: map[string]string{"none": "Nenhum erro", "retryable": "Erro repetível",
			"non_retryable": "Erro não repetível", "timeout": "Tempo limite esgotado"},
		errPrefix: "Erro: ",
		vssUnexpected: "Um componente do Serviço de Cópias de Sombra de Volume encontrou um erro inesperado.\r\n" +
			"Verifique o log de eventos de Aplicativo para obter mais informações.",
		vssNoPermission: "Você não tem as permissões corretas para executar este comando. Execute este utilitário em uma janela\r\n" +
			"de comando que tenha privilégios elevados de administrador.",
		vssInvalid: "Comando inválido.",
		scFailed:   "[SC] %s FALHA %d:", scSuccess: "[SC] %s ÊXITO",
		sc1060:     "O serviço especificado não existe como serviço instalado.",
		sc87:       "O parâmetro está incorreto.",
		sc5:        "Acesso negado.",
		notFound:   "O sistema não pode encontrar o caminho especificado.",
		notCommand: "'%s' não é reconhecido como um comando interno\r\nou externo, um programa operável ou um arquivo em lotes.",
		activeCP:   "Página de código ativa: %d", invalidCP: "Página de código inválida",
	},
	"nl-NL": {
		name: "nl-NL", oem: 850,
		vssBanner:  "vssadmin 1.1 - Opdrachtregelprogramma voor beheer van de Volume Schaduwkopie-service",
		vssWaiting: "Wachten op antwoorden.\r\nDit kan even duren als er een schaduwkopie wordt voorbereid.",
		vssLabels:  [5]string{"Writer-naam", "Writer-id", "Exemplaar-id van writer", "Status", "Laatste fout"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Stabiel", waiting: "Wachten op voltooiing", failed: "Mislukt",
		lastErrors: map[string]string{"none": "Geen fout", "retryable": "Fout, opnieuw proberen mogelijk",
			"non_retryable": "Fout, opnieuw proberen niet mogelijk", "timeout": "Time-out"},
		errPrefix: "Fout: ",
		vssUnexpected: "Er is een onverwachte fout opgetreden in een onderdeel van de Volume Schaduwkopie-service.\r\n" +
			"Raadpleeg het toepassingslogboek voor meer informatie.",
		vssNoPermission: "U hebt niet de juiste machtigingen om deze opdracht uit te voeren. Voer dit hulpprogramma uit vanuit een\r\n" +
			"opdrachtvenster met verhoogde beheerdersbevoegdheden.",
		vssInvalid: "Ongeldige opdracht.",
		scFailed:   "[SC] %s MISLUKT %d:", scSuccess: "[SC] %s GESLAAGD",
		sc1060:     "De opgegeven service bestaat niet als een geïnstalleerde service.",
		sc87:       "De parameter is onjuist.",
		sc5:        "Toegang geweigerd.",
		notFound:   "Het systeem kan het opgegeven pad niet vinden.",
		notCommand: "'%s' wordt niet herkend als een interne\r\nof externe opdracht, programma of batchbestand.",
		activeCP:   "Actieve codetabel: %d", invalidCP: "Ongeldige codetabel",
	},
	"pl-PL": {
		name: "pl-PL", oem: 852,
		vssBanner:  "vssadmin 1.1 - Narzędzie wiersza polecenia do administrowania usługą kopiowania woluminów w tle",
		vssWaiting: "Oczekiwanie na odpowiedzi.\r\nMogą wystąpić opóźnienia, jeśli jest przygotowywana kopia w tle.",
		vssLabels:  [5]string{"Nazwa składnika zapisywania", "Identyfikator składnika zapisywania", "Identyfikator wystąpienia składnika zapisywania", "Stan", "Ostatni błąd"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Stabilny", waiting: "Oczekiwanie na ukończenie", failed: "Niepowodzenie",
		lastErrors: map[string]string{"none": "Brak błędów", "retryable": "Błąd z możliwością ponowienia",
			"non_retryable": "Błąd bez możliwości ponowienia", "timeout": "Upłynął limit czasu"},
		errPrefix: "Błąd: ",
		vssUnexpected: "Składnik usługi kopiowania woluminów w tle napotkał nieoczekiwany błąd.\r\n" +
			"Aby uzyskać więcej informacji, sprawdź dziennik zdarzeń aplikacji.",
		vssNoPermission: "Nie masz odpowiednich uprawnień do uruchomienia tego polecenia. Uruchom to narzędzie z okna wiersza\r\n" +
			"polecenia z podwyższonymi uprawnieniami administratora.",
		vssInvalid: "Nieprawidłowe polecenie.",
		scFailed:   "[SC] %s NIEPOWODZENIE %d:", scSuccess: "[SC] %s POWODZENIE",
		sc1060:     "Określona usługa nie istnieje jako zainstalowana usługa.",
		sc87:       "Parametr jest niepoprawny.",
		sc5:        "Odmowa dostępu.",
		notFound:   "System nie może odnaleźć określonej ścieżki.",
		notCommand: "'%s' nie jest rozpoznawane jako polecenie wewnętrzne lub zewnętrzne,\r\nprogram wykonywalny lub plik wsadowy.",
		activeCP:   "Aktywna strona kodowa: %d", invalidCP: "Nieprawidłowa strona kodowa",
	},
	"ru-RU": {
		name: "ru-RU", oem: 866,
		vssBanner:  "vssadmin 1.1 - Программа командной строки для администрирования службы теневого копирования тома",
		vssWaiting: "Ожидание ответов.\r\nОтветы могут задерживаться, если идет подготовка теневой копии.",
		vssLabels:  [5]string{"Имя модуля записи", "Id модуля записи", "Id экземпляра модуля записи", "Состояние", "Последняя ошибка"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "Стабильный", waiting: "Ожидание завершения", failed: "Сбой",
		lastErrors: map[string]string{"none": "Нет ошибок", "retryable": "Повторяемая ошибка",
			"non_retryable": "Неповторяемая ошибка", "timeout": "Время ожидания истекло"},
		errPrefix: "Ошибка: ",
		vssUnexpected: "В компоненте службы теневого копирования тома произошла непредвиденная ошибка.\r\n" +
			"Дополнительные сведения см. в журнале событий приложений.",
		vssNoPermission: "У вас нет разрешений на выполнение этой команды. Запустите эту программу из окна командной строки\r\n" +
			"с повышенными правами администратора.",
		vssInvalid: "Недопустимая команда.",
		scFailed:   "[SC] %s: ошибка: %d:", scSuccess: "[SC] %s: успех",
		sc1060:     "Указанная служба не установлена.",
		sc87:       "Параметр задан неверно.",
		sc5:        "Отказано в доступе.",
		notFound:   "Системе не удается найти указанный путь.",
		notCommand: "\"%s\" не является внутренней или внешней\r\nкомандой, исполняемой программой или пакетным файлом.",
		activeCP:   "Текущая кодовая страница: %d", invalidCP: "Неверная кодовая страница",
	},
	"ja-JP": {
		name: "ja-JP", oem: 932,
		vssBanner:  "vssadmin 1.1 - ボリューム シャドウ コピー サービス管理コマンドライン ツール",
		vssWaiting: "応答を待っています。\r\nシャドウ コピーの準備中は、応答が遅れる可能性があります。",
		vssLabels:  [5]string{"ライター名", "ライター ID", "ライター インスタンス ID", "状態", "最後のエラー"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "安定", waiting: "完了の待機中", failed: "失敗",
		lastErrors: map[string]string{"none": "エラーなし", "retryable": "再試行可能なエラー",
			"non_retryable": "再試行できないエラー", "timeout": "タイムアウト"},
		errPrefix: "エラー: ",
		vssUnexpected: "ボリューム シャドウ コピー サービス コンポーネントで予期しないエラーが発生しました。\r\n" +
			"詳細については、アプリケーション イベント ログを確認してください。",
		vssNoPermission: "このコマンドを実行するための適切なアクセス許可がありません。管理者特権のあるコマンド ウィンドウから\r\n" +
			"このユーティリティを実行してください。",
		vssInvalid: "無効なコマンドです。",
		scFailed:   "[SC] %s 失敗 %d:", scSuccess: "[SC] %s 成功",
		sc1060:     "指定されたサービスはインストールされたサービスとして存在しません。",
		sc87:       "パラメーターが間違っています。",
		sc5:        "アクセスが拒否されました。",
		notFound:   "指定されたパスが見つかりません。",
		notCommand: "'%s' は、内部コマンドまたは外部コマンド、\r\n操作可能なプログラムまたはバッチ ファイルとして認識されていません。",
		activeCP:   "現在のコード ページ: %d", invalidCP: "コード ページが無効です",
	},
	"zh-CN": {
		name: "zh-CN", oem: 936,
		vssBanner:  "vssadmin 1.1 - 卷影复制服务管理命令行工具",
		vssWaiting: "正在等待响应。\r\n如果正在准备卷影副本，响应可能会延迟。",
		vssLabels:  [5]string{"编写器名称", "编写器 ID", "编写器实例 ID", "状态", "上一个错误"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "稳定", waiting: "正在等待完成", failed: "失败",
		lastErrors: map[string]string{"none": "无错误", "retryable": "可重试的错误",
			"non_retryable": "不可重试的错误", "timeout": "已超时"},
		errPrefix: "错误: ",
		vssUnexpected: "卷影复制服务组件遇到意外错误。\r\n" +
			"有关详细信息，请查看应用程序事件日志。",
		vssNoPermission: "你没有运行此命令的正确权限。请从具有提升的管理员权限的命令窗口\r\n" +
			"运行此实用工具。",
		vssInvalid: "无效命令。",
		scFailed:   "[SC] %s 失败 %d:", scSuccess: "[SC] %s 成功",
		sc1060:     "指定的服务未安装。",
		sc87:       "参数错误。",
		sc5:        "拒绝访问。",
		notFound:   "系统找不到指定的路径。",
		notCommand: "'%s' 不是内部或外部命令，也不是可运行的程序\r\n或批处理文件。",
		activeCP:   "活动代码页: %d", invalidCP: "无效代码页",
	},
	"ko-KR": {
		name: "ko-KR", oem: 949,
		vssBanner:  "vssadmin 1.1 - 볼륨 섀도 복사본 서비스 관리 명령줄 도구",
		vssWaiting: "응답을 기다리는 중입니다.\r\n섀도 복사본을 준비 중이면 응답이 지연될 수 있습니다.",
		vssLabels:  [5]string{"기록기 이름", "기록기 ID", "기록기 인스턴스 ID", "상태", "마지막 오류"},
		vssColon:   ": ", vssQuote: [2]string{"'", "'"},
		stable: "안정됨", waiting: "완료 대기 중", failed: "실패",
		lastErrors: map[string]string{"none": "오류 없음", "retryable": "다시 시도할 수 있는 오류",
			"non_retryable": "다시 시도할 수 없는 오류", "timeout": "시간 초과"},
		errPrefix: "오류: ",
		vssUnexpected: "볼륨 섀도 복사본 서비스 구성 요소에서 예기치 않은 오류가 발생했습니다.\r\n" +
			"자세한 내용은 응용 프로그램 이벤트 로그를 확인하십시오.",
		vssNoPermission: "이 명령을 실행할 수 있는 올바른 권한이 없습니다. 관리자 권한으로 실행한 명령 창에서\r\n" +
			"이 유틸리티를 실행하십시오.",
		vssInvalid: "잘못된 명령입니다.",
		scFailed:   "[SC] %s 실패 %d:", scSuccess: "[SC] %s 성공",
		sc1060:     "지정된 서비스가 설치된 서비스로 존재하지 않습니다.",
		sc87:       "매개 변수가 틀립니다.",
		sc5:        "액세스가 거부되었습니다.",
		notFound:   "지정된 경로를 찾을 수 없습니다.",
		notCommand: "'%s'은(는) 내부 또는 외부 명령, 실행할 수 있는 프로그램, 또는\r\n배치 파일이 아닙니다.",
		activeCP:   "활성 코드 페이지: %d", invalidCP: "잘못된 코드 페이지입니다.",
	},
}

// localeNames lists the shipped locales, for the scenario's error message.
func localeNames() []string {
	var names []string
	for n := range locales {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// vssState is vssadmin's State value: the number, then the word.
func (lc *locale) vssState(num int) string {
	switch {
	case num == 1:
		return fmt.Sprintf("[1] %s", lc.stable)
	case num >= 2 && num <= 5:
		return fmt.Sprintf("[%d] %s", num, lc.waiting)
	case num >= 6:
		return fmt.Sprintf("[%d] %s", num, lc.failed)
	}
	return fmt.Sprintf("[%d] ?", num)
}

func (lc *locale) scFail(api string, code int, msg string) string {
	return fmt.Sprintf(lc.scFailed, api, code) + "\r\n\r\n" + msg + "\r\n\r\n"
}

func (lc *locale) scOK(api string) string {
	return fmt.Sprintf(lc.scSuccess, api) + "\r\n"
}

func (lc *locale) vssError(msg string) string {
	return lc.errPrefix + msg + "\r\n\r\n"
}

// diskpartText is what `list disk` prints in a language: the banner's words,
// the column titles, a row's word for a disk and for "Online".
type diskpartText struct {
	version, computer string // "Microsoft DiskPart version %s", "On computer: %s"
	cols              [6]string
	disk, online      string
}

var diskparts = map[string]diskpartText{
	"en-US": {"Microsoft DiskPart version %s", "On computer: %s", [6]string{"Disk ###", "Status", "Size", "Free", "Dyn", "Gpt"}, "Disk", "Online"},
	"de-DE": {"Microsoft DiskPart-Version %s", "Auf Computer: %s", [6]string{"Datenträger ###", "Status", "Größe", "Frei", "Dyn", "GPT"}, "Datenträger", "Online"},
	"fr-FR": {"Microsoft DiskPart version %s", "Sur l'ordinateur : %s", [6]string{"N° disque", "Statut", "Taille", "Libre", "Dyn", "GPT"}, "Disque", "En ligne"},
	"es-ES": {"Microsoft DiskPart versión %s", "En el equipo: %s", [6]string{"Núm Disco", "Estado", "Tamaño", "Disp", "Din", "GPT"}, "Disco", "En línea"},
	"it-IT": {"Microsoft DiskPart versione %s", "Nel computer: %s", [6]string{"Disco ###", "Stato", "Dimensioni", "Libero", "Din", "GPT"}, "Disco", "Online"},
	"pt-BR": {"Microsoft DiskPart versão %s", "No computador: %s", [6]string{"Nº Disco", "Status", "Tam.", "Livre", "Din", "GPT"}, "Disco", "Online"},
	"nl-NL": {"Microsoft DiskPart versie %s", "Op computer: %s", [6]string{"Schijf ###", "Status", "Grootte", "Vrij", "Dyn", "GPT"}, "Schijf", "Online"},
	"pl-PL": {"Microsoft DiskPart wersja %s", "Na komputerze: %s", [6]string{"Nr dysku", "Stan", "Rozmiar", "Wolne", "Dyn", "GPT"}, "Dysk", "Online"},
	"ru-RU": {"Microsoft DiskPart версии %s", "На компьютере: %s", [6]string{"Диск ###", "Состояние", "Размер", "Свободно", "Дин", "GPT"}, "Диск", "В сети"},
	"ja-JP": {"Microsoft DiskPart バージョン %s", "コンピューター: %s", [6]string{"ディスク ###", "状態", "サイズ", "空き", "ダイナ", "GPT"}, "ディスク", "オンライン"},
	"zh-CN": {"Microsoft DiskPart 版本 %s", "在计算机上: %s", [6]string{"磁盘 ###", "状态", "大小", "可用", "Dyn", "Gpt"}, "磁盘", "联机"},
	"ko-KR": {"Microsoft DiskPart 버전 %s", "컴퓨터: %s", [6]string{"디스크 ###", "상태", "크기", "사용 가능", "동적", "GPT"}, "디스크", "온라인"},
}

// displayWidth is how many console columns a text takes: East Asian wide
// characters take two (one DBCS character, two bytes, in their code pages).
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60,
			r >= 0xFFE0 && r <= 0xFFE6:
			w += 2
		default:
			w++
		}
	}
	return w
}

// padTo pads s with spaces to w console columns.
func padTo(s string, w int) string {
	if d := w - displayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// netText is what net.exe says in a language (%s: the service's display name,
// %d: the NET HELPMSG number).
type netText struct {
	stopping, stopped, starting, started, notStarted, already, invalid, couldNot string
	sys1058, cannotStart, help                                                   string
}

var netTexts = map[string]netText{
	"en-US": {"The %s service is stopping.", "The %s service was stopped successfully.", "The %s service is starting.",
		"The %s service was started successfully.", "The %s service is not started.", "The requested service has already been started.",
		"The service name is invalid.", "The %s service could not be stopped.", "System error 1058 has occurred.",
		"The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.",
		"More help is available by typing NET HELPMSG %d."},
	"de-DE": {"Der Dienst \"%s\" wird beendet.", "Der Dienst \"%s\" wurde erfolgreich beendet.", "Der Dienst \"%s\" wird gestartet.",
		"Der Dienst \"%s\" wurde erfolgreich gestartet.", "Der Dienst \"%s\" wurde nicht gestartet.", "Der angeforderte Dienst wurde bereits gestartet.",
		"Der Dienstname ist ungültig.", "Der Dienst \"%s\" konnte nicht beendet werden.", "Systemfehler 1058 aufgetreten.",
		"Der angegebene Dienst kann nicht gestartet werden. Er ist deaktiviert oder nicht mit aktivierten Geräten verbunden.",
		"Sie erhalten weitere Hilfe, wenn Sie NET HELPMSG %d eingeben."},
	"fr-FR": {"Le service %s s'arrête.", "Le service %s a été arrêté.", "Le service %s démarre.",
		"Le service %s a démarré.", "Le service %s n'a pas été démarré.", "Le service demandé a déjà été démarré.",
		"Le nom de service n'est pas valide.", "Le service %s n'a pas pu être arrêté.", "L'erreur système 1058 s'est produite.",
		"Le service ne peut pas être démarré parce qu'il est désactivé ou qu'aucun périphérique activé ne lui est associé.",
		"Vous obtiendrez une aide supplémentaire en entrant NET HELPMSG %d."},
	"es-ES": {"El servicio de %s está deteniéndose.", "El servicio de %s se detuvo correctamente.", "El servicio de %s está iniciándose.",
		"El servicio de %s se ha iniciado correctamente.", "El servicio de %s no se ha iniciado.", "El servicio solicitado ya ha sido iniciado.",
		"El nombre del servicio no es válido.", "No se pudo detener el servicio de %s.", "Error de sistema 1058.",
		"El servicio no puede iniciarse, ya sea porque está deshabilitado o porque no tiene dispositivos habilitados asociados.",
		"Puede obtener más ayuda con el comando NET HELPMSG %d."},
	"it-IT": {"Arresto del servizio %s in corso.", "Servizio %s arrestato.", "Avvio del servizio %s in corso.",
		"Servizio %s avviato.", "Il servizio %s non è stato avviato.", "Il servizio richiesto è già stato avviato.",
		"Il nome del servizio non è valido.", "Impossibile arrestare il servizio %s.", "Errore di sistema 1058.",
		"Impossibile avviare il servizio perché è disabilitato o non ha dispositivi abilitati associati.",
		"Per ulteriori informazioni, digitare NET HELPMSG %d."},
	"pt-BR": {"O serviço de %s está sendo finalizado.", "O serviço de %s foi finalizado com êxito.", "O serviço de %s está sendo iniciado.",
		"O serviço de %s foi iniciado com êxito.", "O serviço de %s não foi iniciado.", "O serviço solicitado já foi iniciado.",
		"O nome de serviço é inválido.", "Não foi possível parar o serviço de %s.", "Erro de sistema 1058.",
		"O serviço não pode ser iniciado porque está desabilitado ou porque não tem dispositivos habilitados associados a ele.",
		"Para obter mais ajuda, digite NET HELPMSG %d."},
	"nl-NL": {"De service %s wordt gestopt.", "De service %s is gestopt.", "De service %s wordt gestart.",
		"De service %s is gestart.", "De service %s is niet gestart.", "De gevraagde service is al gestart.",
		"De naam van de service is ongeldig.", "De service %s kan niet worden gestopt.", "Systeemfout 1058.",
		"De service kan niet worden gestart omdat deze is uitgeschakeld of omdat er geen ingeschakelde apparaten aan zijn gekoppeld.",
		"Typ NET HELPMSG %d voor meer hulp."},
	"pl-PL": {"Usługa %s jest zatrzymywana.", "Usługa %s została pomyślnie zatrzymana.", "Usługa %s jest uruchamiana.",
		"Usługa %s została pomyślnie uruchomiona.", "Usługa %s nie jest uruchomiona.", "Żądana usługa została już uruchomiona.",
		"Nazwa usługi jest nieprawidłowa.", "Nie można zatrzymać usługi %s.", "Wystąpił błąd systemu 1058.",
		"Nie można uruchomić usługi, ponieważ jest wyłączona lub nie ma skojarzonych z nią włączonych urządzeń.",
		"Aby uzyskać więcej pomocy, wpisz NET HELPMSG %d."},
	"ru-RU": {"Служба \"%s\" останавливается.", "Служба \"%s\" успешно остановлена.", "Служба \"%s\" запускается.",
		"Служба \"%s\" успешно запущена.", "Служба \"%s\" не запущена.", "Запрошенная служба уже запущена.",
		"Недопустимое имя службы.", "Не удается остановить службу \"%s\".", "Системная ошибка 1058.",
		"Указанная служба не может быть запущена, поскольку она отключена или все связанные с ней устройства отключены.",
		"Для вызова дополнительной справки наберите NET HELPMSG %d."},
	"ja-JP": {"%s サービスを停止中です.", "%s サービスは正常に停止されました。", "%s サービスを開始します.",
		"%s サービスは正常に開始されました。", "%s サービスは開始されていません。", "要求されたサービスは既に開始されています。",
		"サービス名が無効です。", "%s サービスを停止できませんでした。", "システム エラー 1058 が発生しました。",
		"無効になっているか、または有効なデバイスが関連付けられていないため、このサービスを開始できません。",
		"NET HELPMSG %d と入力すると、より詳しい説明が得られます。"},
	"zh-CN": {"%s 服务正在停止。", "%s 服务已成功停止。", "%s 服务正在启动 。",
		"%s 服务已经启动成功。", "没有启动 %s 服务。", "请求的服务已经启动。",
		"服务名无效。", "%s 服务无法停止。", "发生系统错误 1058。",
		"无法启动服务，原因可能是已被禁用或与其相关联的设备没有启动。",
		"请键入 NET HELPMSG %d 以获得更多的帮助。"},
	"ko-KR": {"%s 서비스를 멈춥니다..", "%s 서비스를 잘 멈추었습니다.", "%s 서비스를 시작합니다..",
		"%s 서비스가 잘 시작되었습니다.", "%s 서비스가 시작되지 않았습니다.", "요청한 서비스가 이미 시작되었습니다.",
		"서비스 이름이 잘못되었습니다.", "%s 서비스를 멈출 수 없습니다.", "시스템 오류 1058이(가) 발생했습니다.",
		"서비스를 시작할 수 없습니다. 서비스가 사용되지 않도록 설정되어 있거나 연결된 사용 장치가 없습니다.",
		"NET HELPMSG %d을(를) 입력하면 도움말을 더 볼 수 있습니다."},
}
