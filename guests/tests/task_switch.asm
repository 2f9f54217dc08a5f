; task_switch: hardware task switching (SDM vol. 3 ch. 7): JMP to a TSS
; descriptor (busy bits moved, NT clear, no back link), the registers the
; new task starts with and the state saved in the old TSS (resumed on the
; next switch), CALL through a task gate (NT set, back link, the caller
; stays busy) and IRET back (NT return; the callee becomes available), an
; INT through a task gate in the IDT, LDTR and CR0.TS loaded by the switch,
; a 16-bit TSS, and the faults: JMP/CALL to a busy TSS (#GP(sel)), IRET with
; NT=1 to a TSS that is not busy (#TS(sel)), a not-present TSS (#NP(sel)).
; Paging is off (CR3 is not reloaded by the switches).
; area: tasks, TSS
; reference: qemu

%define KERNEL_NAME "task_switch"
%include "lib/kernel.inc"

S_TSSB  equ 0x68                    ; 32-bit TSS B
S_TSSC  equ 0x70                    ; 32-bit TSS C
S_TSSD  equ 0x78                    ; 32-bit TSS D (interrupt task)
S_TGC   equ 0x80                    ; task gate -> TSS C
S_LDTB  equ 0x88                    ; task B's LDT
S_TSSE  equ 0x90                    ; 16-bit TSS E
C16R0   equ 0x98                    ; 16-bit code, base ROM_BASE
S_TSSNP equ 0xA0                    ; 32-bit TSS, not present
LDT_B   equ LDT_BASE + 0x400
V_TASK  equ 0x90                    ; IDT task gate -> TSS D

%macro PBUSY 1                      ; "tss(sel)=type" of a GDT TSS descriptor
        push eax
        movzx eax, byte [GDT_SLOT(%1) + 5]
        and eax, 0x0F
        PKV8 " type=", eax
        pop eax
%endmacro

        bits 32
main:
        SETDESC S_TSSB, TSS_B, 0x67, ACC_P | T_TSS32, 0
        SETDESC S_TSSC, TSS_C, 0x67, ACC_P | T_TSS32, 0
        SETDESC S_TSSD, TSS_D, 0x67, ACC_P | T_TSS32, 0
        SETGATE S_TGC, S_TSSC, 0, ACC_P | T_TASK, 0
        SETDESC S_LDTB, LDT_B, 0xFF, ACC_P | T_LDT, 0
        SETDESC S_TSSE, TSS_E, 0x2B, ACC_P | T_TSS16, 0
        SETDESC C16R0, ROM_BASE, 0xFFFF, ACC_P | ACC_CODE | ACC_R, 0
        SETDESC S_TSSNP, TSS_B, 0x67, T_TSS32, 0
        SETIDT V_TASK, S_TSSD, 0, ACC_P | T_TASK

        ; TSS B: distinct registers, its own LDT
        mov edi, TSS_B
        call tss_clear
        mov dword [edi + 0x20], task_b
        mov dword [edi + 0x24], FL_1 | FL_CF | FL_ZF
        mov dword [edi + 0x28], 0x0000000A          ; EAX
        mov dword [edi + 0x2C], 0x0000000C          ; ECX
        mov dword [edi + 0x30], 0x0000000D          ; EDX
        mov dword [edi + 0x34], 0x0000000B          ; EBX
        mov dword [edi + 0x38], STACK_T1_TOP        ; ESP
        mov dword [edi + 0x3C], 0x0000BBBB          ; EBP
        mov dword [edi + 0x40], 0x00005151          ; ESI
        mov dword [edi + 0x44], 0x0000D1D1          ; EDI
        mov dword [edi + 0x48], SEL_DATA32          ; ES
        mov dword [edi + 0x4C], SEL_CODE32          ; CS
        mov dword [edi + 0x50], SEL_DATA32          ; SS
        mov dword [edi + 0x54], SEL_DATA32          ; DS
        mov dword [edi + 0x58], SEL_DATA32          ; FS
        mov dword [edi + 0x5C], SEL_DATA32_R3       ; GS
        mov dword [edi + 0x60], S_LDTB              ; LDTR
        ; TSS C and D: flat ring 0, no LDT
        mov edi, TSS_C
        call tss_clear
        mov dword [edi + 0x20], task_c
        mov dword [edi + 0x38], STACK_T2_TOP
        call tss_flat
        mov edi, TSS_D
        call tss_clear
        mov dword [edi + 0x20], task_d
        mov dword [edi + 0x38], STACK_T3_TOP
        call tss_flat
        ; TSS E (16-bit): IP, FLAGS, AX, SP, ES, CS, SS, DS, LDT
        mov edi, TSS_E
        xor eax, eax
        mov ecx, 0x2C / 4
        rep stosd
        mov word [TSS_E + 14], R(task_e)
        mov word [TSS_E + 16], FL_1
        mov word [TSS_E + 18], 0xE0E0
        mov word [TSS_E + 26], 0xE000
        mov word [TSS_E + 34], SEL_DATA16
        mov word [TSS_E + 36], C16R0
        mov word [TSS_E + 38], SEL_DATA16
        mov word [TSS_E + 40], SEL_DATA16

        ; ---------------------------------------------------------- JMP
        PRINT "before: tr="
        str ax
        movzx eax, ax
        PHEX16 eax
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " b"
        PBUSY S_TSSB
        PRINTLN
        mov eax, 0xAAAAAAAA
        jmp S_TSSB:0
a_after_jmp:
        PKV32 "back in a after jmp: eax=", eax
        str ax
        movzx eax, ax
        PKV16 " tr=", eax
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " b"
        PBUSY S_TSSB
        mov eax, cr0
        and eax, CR0_TS
        PKV8 " cr0.ts=", eax
        clts
        sldt ax
        movzx eax, ax
        PKV16 " ldtr=", eax
        PRINTLN
        mov ebx, task_b_again
        mov esi, str_b_again
        call show_saved_b
        PRINTLN "jmp to b again (resumes where it left):"
        jmp S_TSSB:0
        mov ebx, task_b_next
        mov esi, str_b_next
        call show_saved_b
        clts

        ; ---------------------------------------------------------- CALL / IRET
        PRINTLN "call 0080:0 (task gate -> c):"
        call S_TGC:0
        pushfd
        pop eax
        and eax, FL_NT
        PKV32 "back in a after iret: eflags.nt=", eax
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " c"
        PBUSY S_TSSC
        mov eax, [TSS_C + 0x20]
        sub eax, task_c_next
        PKV16 " tss c saved eip=task_c_next+", eax
        PKV16 " back link=", [TSS_C]
        PRINTLN
        clts

        ; ---------------------------------------------------------- INT via task gate
        PRINTLN "int 90 (idt task gate -> d):"
        int V_TASK
        PRINT "back in a:"
        PBUSY S_TSSD
        PRINTLN
        PRINTLN "int 90 again:"
        int V_TASK
        clts

        ; ---------------------------------------------------------- 16-bit TSS
        PRINTLN "call 0090:0 (16-bit tss e):"
        mov eax, 0x12345678
        call S_TSSE:0
        PKV32 "back in a: eax=", eax
        PRINT " e"
        PBUSY S_TSSE
        movzx eax, word [TSS_E + 14]
        sub eax, R(task_e_next)
        PKV16 " tss e saved ip=task_e_next+", eax
        PKV16 " ax=", [TSS_E + 18]
        PKV16 " sp=", [TSS_E + 26]
        PKV16 " back link=", [TSS_E]
        PRINTLN
        clts

        ; ---------------------------------------------------------- faults
        PRINT "jmp 0038:0 (the busy current task): "
        TRY
        jmp SEL_TSS:0
        ENDTRY
        PRINT "call 0038:0 (the busy current task): "
        TRY
        call SEL_TSS:0
        ENDTRY
        PRINT "jmp 0068:0 with b marked busy: "
        or byte [GDT_SLOT(S_TSSB) + 5], 2
        TRY
        jmp S_TSSB:0
        ENDTRY
        and byte [GDT_SLOT(S_TSSB) + 5], ~2
        PRINT "iret with NT=1, back link -> b (not busy): "
        mov word [TSS_MAIN], S_TSSB
        TRY
        pushfd
        or dword [esp], FL_NT
        popfd
        iretd
        ENDTRY
        mov word [TSS_MAIN], 0
        PRINT "call 00a0:0 (tss not present): "
        TRY
        call S_TSSNP:0
        ENDTRY
        PRINT "after the faults: tr="
        str ax
        movzx eax, ax
        PHEX16 eax
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " b"
        PBUSY S_TSSB
        PRINTLN
        EXIT 0

; EDI = TSS: flat ring-0 segments, EFLAGS 2, no LDT (ESP/EIP set by caller)
tss_flat:
        mov dword [edi + 0x24], FL_1
        mov dword [edi + 0x48], SEL_DATA32
        mov dword [edi + 0x4C], SEL_CODE32
        mov dword [edi + 0x50], SEL_DATA32
        mov dword [edi + 0x54], SEL_DATA32
        mov dword [edi + 0x58], SEL_DATA32
        mov dword [edi + 0x5C], SEL_DATA32
        ret

; EBX = the label the saved EIP should be at, ESI = its name
show_saved_b:
        PRINT "tss b saved: eip="
        call puts32
        mov eax, [TSS_B + 0x20]
        sub eax, ebx
        PKV16 "+", eax
        PKV32 " eax=", [TSS_B + 0x28]
        PKV32 " esp=", [TSS_B + 0x38]
        mov eax, [TSS_B + 0x24]
        and eax, FL_DEFINED
        PKV32 " eflags=", eax
        PKV16 " cs=", [TSS_B + 0x4C]
        PKV16 " ss=", [TSS_B + 0x50]
        PKV16 " gs=", [TSS_B + 0x5C]
        PKV16 " ldt=", [TSS_B + 0x60]
        PKV16 " back link=", [TSS_B]
        PRINTLN
        ret

; ---------------------------------------------------------------- task B
task_b:
        PKV32 "task b: eax=", eax
        PKV32 " ecx=", ecx
        PKV32 " edx=", edx
        PKV32 " ebx=", ebx
        PKV32 " esp=", esp
        PKV32 " ebp=", ebp
        PKV32 " esi=", esi
        PKV32 " edi=", edi
        PRINTLN
        pushfd
        pop eax
        and eax, FL_DEFINED
        PKV32 "task b: eflags=", eax
        str ax
        movzx eax, ax
        PKV16 " tr=", eax
        sldt ax
        movzx eax, ax
        PKV16 " ldtr=", eax
        PKVSEG " cs=", cs
        PKVSEG " ss=", ss
        PKVSEG " ds=", ds
        PKVSEG " gs=", gs
        mov eax, cr0
        and eax, CR0_TS
        PKV8 " cr0.ts=", eax
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " b"
        PBUSY S_TSSB
        PKV16 " back link=", [TSS_B]
        PRINTLN
        mov eax, 0xB000000A
        mov ebx, 0xB000000B
        push dword FL_1 | FL_SF
        popfd
        jmp SEL_TSS:0
task_b_again:
        PKV32 "task b resumed: eax=", eax
        PKV32 " ebx=", ebx
        PKV32 " esp=", esp
        PRINTLN
        mov eax, 0xB100000A
        jmp SEL_TSS:0
task_b_next:
        jmp task_b

        section .rodata
str_b_again:    db "task_b_again", 0
str_b_next:     db "task_b_next", 0
        section .text

; ---------------------------------------------------------------- task C
task_c:
        pushfd
        pop eax
        and eax, FL_NT
        PKV32 "task c: eflags.nt=", eax
        PKV16 " back link=", [TSS_C]
        PRINT " a"
        PBUSY SEL_TSS
        PRINT " c"
        PBUSY S_TSSC
        PRINTLN
        iretd
task_c_next:
        jmp task_c

; ---------------------------------------------------------------- task D
task_d:
        pushfd
        pop eax
        and eax, FL_NT
        PKV32 "task d: eflags.nt=", eax
        PKV16 " back link=", [TSS_D]
        mov eax, esp
        PKV32 " esp=", eax
        PRINT " d"
        PBUSY S_TSSD
        PRINTLN
        iretd
        jmp task_d

; ---------------------------------------------------------------- task E (16-bit)
        bits 16
task_e:
        movzx eax, ax
        PKV16 "task e (16-bit): ax=", eax
        movzx eax, sp
        PKV16 " sp=", eax
        PKVSEG " cs=", cs
        PKVSEG " ss=", ss
        pushf
        pop ax
        movzx eax, ax
        and eax, FL_NT
        PKV16 " flags.nt=", eax
        PRINTLN
        mov ax, 0xE1E1
        iret
task_e_next:
        jmp task_e
        bits 32

%include "lib/tail.inc"
